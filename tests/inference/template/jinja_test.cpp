// The Jinja-subset interpreter: whitespace control as transformers configures Jinja2
// (trim_blocks + lstrip_blocks), scoping, filters, tests, Python string methods, tojson.
#include "inference/template/jinja_template.h"

#include <gtest/gtest.h>

using namespace rayctl::inference::jinja;

namespace {
std::string render(const std::string& src, const nlohmann::json& vars = nlohmann::json::object()) {
  Dict globals;
  for (auto it = vars.begin(); it != vars.end(); ++it) globals.emplace_back(it.key(), Value::from_json(it.value()));
  return Template(src).render(globals);
}
}  // namespace

TEST(Jinja, WhitespaceControlMatchesJinja2WithTrimAndLstripBlocks) {
  EXPECT_EQ(render("a  {%- if true -%}  b  {%- endif -%}  c"), "abc");
  EXPECT_EQ(render("{% if true %}\nx\n{% endif %}\ny"), "x\ny") << "trim_blocks eats the newline after %}";
  EXPECT_EQ(render("  {% if true %}x{% endif %}"), "x") << "lstrip_blocks strips indentation before {%";
  EXPECT_EQ(render("a  {% if true %}x{% endif %}"), "a  x") << "…but only at the start of a line";
  EXPECT_EQ(render("  {{ 'v' }}\n"), "  v\n") << "variables are not stripped";
  EXPECT_EQ(render("{# c #}\nx"), "x");
  EXPECT_EQ(render("  {%+ if true %}x{% endif %}"), "  x");
}

TEST(Jinja, LoopsScopesAndNamespaces) {
  nlohmann::json v = {{"xs", {"a", "b", "c"}}};
  EXPECT_EQ(render("{% for x in xs %}{{ loop.index0 }}{{ x }}{% if loop.last %}!{% endif %}{% endfor %}", v),
            "0a1b2c!");
  EXPECT_EQ(render("{% for x in xs if x != 'b' %}{{ loop.length }}{% endfor %}", v), "22");
  EXPECT_EQ(render("{% set n = 0 %}{% for x in xs %}{% set n = n + 1 %}{% endfor %}{{ n }}", v), "0")
      << "a set inside a loop does not leak (Jinja2 scoping)";
  EXPECT_EQ(render("{% set ns = namespace(n=0) %}{% for x in xs %}{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}", v),
            "3");
  EXPECT_EQ(render("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}"), "a=1;b=2;");
  EXPECT_EQ(render("{% for x in xs %}{% if x == 'b' %}{% break %}{% endif %}{{ x }}{% endfor %}", v), "a");
  EXPECT_EQ(render("{% macro greet(name, p='Hi') %}{{ p }} {{ name }}{% endmacro %}{{ greet('Bob') }}|{{ greet('Al', "
                   "p='Yo') }}"),
            "Hi Bob|Yo Al");
  EXPECT_EQ(render("{% set x %}in{{ 1 }}{% endset %}[{{ x }}]"), "[in1]");
  EXPECT_EQ(render("{{ xs[-1] }}{{ xs[::-1] | join('') }}{{ 'hello'[1:3] }}", v), "ccbael");
}

TEST(Jinja, FiltersTestsAndMethods) {
  EXPECT_EQ(render("{{ '  x  ' | trim }}|{{ 'ab' | upper }}|{{ [1,2,3] | length }}|{{ none | default('d') }}"),
            "x|AB|3|None");
  EXPECT_EQ(render("{{ undefined_var | default('d') }}|{{ '' | default('e', true) }}"), "d|e");
  EXPECT_EQ(
      render("{{ 'a,b,,c'.split(',') }}|{{ ' x '.strip() }}|{{ 'abc'.startswith('ab') }}|{{ 'x\\n'.rstrip('\\n') }}"),
      "['a', 'b', '', 'c']|x|True|x");
  EXPECT_EQ(render("{{ 'a</think>b'.split('</think>')[-1] }}|{{ 'Hello'.replace('l', 'L') }}"), "b|HeLLo");
  EXPECT_EQ(
      render("{{ x is defined }}{{ y is none }}{{ 3 is odd }}{{ 'a' is string }}{{ {} is mapping }}", {{"y", nullptr}}),
      "FalseTrueTrueTrueTrue");
  EXPECT_EQ(render("{{ [{'a': 1}, {'a': 2}] | selectattr('a', 'equalto', 2) | list | length }}"), "1");
  EXPECT_EQ(render("{{ [{'n': 'x'}, {'n': 'y'}] | map(attribute='n') | join(', ') }}"), "x, y");
  EXPECT_EQ(render("{{ 7 // 2 }} {{ 7 / 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }} {{ 'ab' * 2 }} {{ 1 ~ 'x' }}"),
            "3 3.5 -4 1 1024 abab 1x");
  EXPECT_EQ(render("{{ 'yes' if 1 > 2 else 'no' }} {{ not true }} {{ 'b' in 'abc' }} {{ 4 not in [1, 2] }}"),
            "no False True True");
  EXPECT_EQ(render("{{ \"multi\\nline\" | indent(2) }}"), "multi\n  line");
}

TEST(Jinja, ToJsonMatchesPythonJsonDumps) {
  nlohmann::ordered_json obj =
      nlohmann::ordered_json::parse(R"({"z": 1, "a": [true, null, 1.5, "é\n\"q\""], "e": {}})");
  Dict g{{"o", Value::from_json(obj)}};
  EXPECT_EQ(Template("{{ o | tojson }}").render(g), R"({"z": 1, "a": [true, null, 1.5, "é\n\"q\""], "e": {}})");
  EXPECT_EQ(Template("{{ o.a | tojson(indent=2) }}").render(g), "[\n  true,\n  null,\n  1.5,\n  \"é\\n\\\"q\\\"\"\n]");
  EXPECT_EQ(Template("{{ 1.0 }} {{ 0.1 + 0.2 }} {{ 1e20 }} {{ 1e-5 }}").render({}),
            "1.0 0.30000000000000004 1e+20 1e-05");
}

TEST(Jinja, ErrorsCarryLinesAndRaiseException) {
  try {
    render("a\nb\n{{ raise_exception('Only user and assistant roles') }}");
    FAIL();
  } catch (const TemplateError& e) {
    EXPECT_EQ(std::string(e.what()), "Only user and assistant roles");
    EXPECT_EQ(e.line, 3);
    EXPECT_TRUE(e.raised);
  }
  try {
    render("{% if x %}\n{{ 1 + 'a' }}{% endif %}", {{"x", true}});
    FAIL();
  } catch (const TemplateError& e) {
    EXPECT_EQ(e.line, 2);
    EXPECT_FALSE(e.raised);
  }
  EXPECT_THROW(Template("{% unknowntag %}"), TemplateError);
  EXPECT_THROW(Template("{{ 'unterminated }}"), TemplateError);
  EXPECT_THROW(render("{{ x | nosuchfilter }}"), TemplateError);
}
