module rayctl/tests/yaml_typing_goyaml

go 1.21

require go.yaml.in/yaml/v2 v2.4.3
