// goyaml v2's typing (go.yaml.in/yaml/v2, what sigs.k8s.io/yaml reads Kubernetes manifests with)
// of the scalars on stdin, one JSON line [text, kind, value] each (the format of
// ../yaml_typing_pyyaml.py). Read by tests/core/yaml_typing_test.cpp (GoYamlTyping), built by
// tests/integration/spec_samples.cmake from the Go module cache (offline).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"

	yaml "go.yaml.in/yaml/v2"
)

func main() {
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		var row []string
		json.Unmarshal(sc.Bytes(), &row)
		text := row[0]
		var v []interface{}
		kind, val := "", ""
		if err := yaml.Unmarshal([]byte("- "+text+"\n"), &v); err != nil || len(v) != 1 {
			kind = "invalid"
		} else {
			switch x := v[0].(type) {
			case nil:
				kind = "null"
			case bool:
				kind, val = "bool", fmt.Sprint(x)
			case int:
				kind, val = "int", fmt.Sprint(x)
			case int64:
				kind, val = "int", fmt.Sprint(x)
			case uint64:
				kind, val = "int", "big"
			case float64:
				kind = "float"
				if math.IsNaN(x) {
					val = "nan"
				} else if math.IsInf(x, 1) {
					val = "inf"
				} else if math.IsInf(x, -1) {
					val = "-inf"
				} else {
					val = fmt.Sprintf("%.17g", x)
				}
			case string:
				kind = "str"
			default:
				kind = fmt.Sprintf("%T", x)
			}
		}
		out, _ := json.Marshal([]string{text, kind, val})
		fmt.Println(string(out))
	}
}
