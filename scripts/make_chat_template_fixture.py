#!/usr/bin/env python3
"""Builds test/chat-template/fixtures/cases.json: conversations rendered by
transformers' apply_chat_template, with the prompt text and its token ids,
for ChatTemplateTest to compare our Jinja engine against.

    pip install -r scripts/requirements-golden.txt
    python3 scripts/make_chat_template_fixture.py

Templates: Llama 4's official one (scripts/llama4_chat_template.jinja, as
transformers' Llama 4 converter writes it into instruct checkpoints) and
two written here in the styles fine-tunes use (ChatML with loop.first, and
one that exercises the rest of the supported Jinja). The tokenizer is the
bundled demo model's (examples/tiny-llama4), which has Llama 4's special
tokens; the ids are apply_chat_template(tokenize=True)'s.
"""
import json
import pathlib

import transformers
from transformers import AutoTokenizer
from transformers.utils.chat_template_utils import _compile_jinja_template

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "test/chat-template/fixtures"

TEMPLATES = {
    "llama4": (ROOT / "scripts/llama4_chat_template.jinja").read_text(encoding="utf-8"),
    "chatml": (
        "{% for message in messages %}"
        "{% if loop.first and message['role'] != 'system' %}"
        "{{ '<|im_start|>system\nYou are helpful.<|im_end|>\n' }}"
        "{% endif %}"
        "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] | trim + '<|im_end|>' + '\n' }}"
        "{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
    ),
    # Whitespace control, scoping and most filters, tests and methods.
    "features": """{#- A comment on its own line #}
{%- set ns = namespace(turns=0, last_role=none) %}
{%- set system = messages | selectattr('role', 'equalto', 'system') | list %}
{{ bos_token }}
  {% if system %}
[SYS] {{ system[0].content.strip() | upper }}
  {% endif %}
{% for m in messages if m.role != 'system' %}
    {%- set ns.turns = ns.turns + 1 %}
    {%- set ns.last_role = m.role %}
{{ loop.index }}/{{ loop.length }}{{ '*' if loop.first }}{{ '$' if loop.last else '' }} {{ m.role | capitalize }}: {{ m.content if m.content is string else m.content | map(attribute='type') | join(',') }}
    {%- if m.content is string and m.content | length > 12 %} ({{ m.content[:5] ~ '...' ~ m.content[-3:] }}, {{ m.content.split(' ') | length }} words){% endif %}
    {%- for word in (m.content if m.content is string else '').split() %}{% if loop.index > 2 %}{% break %}{% endif %}{% if word.startswith('t') %}{% continue %}{% endif %} <{{ word | replace('o', '0') }}>{% endfor %}
{% else %}
(no turns)
{% endfor %}
{%+ if ns.turns %}turns={{ ns.turns }} last={{ ns.last_role }} odd={{ ns.turns is odd }} {{ 7 // 2 }},{{ -7 // 2 }},{{ -7 % 3 }},{{ 2 ** 10 }},{{ 7 / 2 }},{{ 0.1 + 0.2 }},{{ 1e20 }}{% endif %}
{% set block %}meta: {{ {'n': ns.turns, 'roles': messages | map(attribute='role') | join('+'), 'x': missing | default('-')} | tojson }}{% endset %}
{{- block | replace('"-"', '"?"') }}
{{ (messages | last).content | tojson(indent=2) if (messages | last).content is not string else '' -}}
{{ {'b': [1, 2.5, none, true], 'a': 'x"y\\u00e9'} | tojson(sort_keys=true) }} {{ [1, 'two', none, false, 1.5] }} {{ 'abc'[::-1] }} {{ range(3) | list }}
{%- if add_generation_prompt %}
>>> {% endif %}
""",
}

CONVERSATIONS = [
    ("user only", [{"role": "user", "content": "What is a cow?"}], True, {}),
    ("system and user", [
        {"role": "system", "content": "  You are a helpful assistant.  \n"},
        {"role": "user", "content": "Say hi."}], True, {}),
    ("multi-turn", [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Who made the heaven and the earth?"},
        {"role": "assistant", "content": "God, in the beginning."},
        {"role": "user", "content": "And then?"}], True, {}),
    ("image parts", [
        {"role": "user", "content": [
            {"type": "image", "url": "cow.png"},
            {"type": "text", "text": "What is shown in this image?"}]}], True, {}),
    ("two images and text around them", [
        {"role": "user", "content": [
            {"type": "text", "text": "Compare "},
            {"type": "image"}, {"type": "text", "text": " and "}, {"type": "image"},
            {"type": "text", "text": "."}]}], True, {}),
    ("system as parts", [
        {"role": "system", "content": [{"type": "text", "text": "\tList system.\n"}]},
        {"role": "user", "content": "ok"}], True, {}),
    ("no generation prompt", [
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "Hello to you."}], False, {}),
    ("unicode and whitespace", [
        {"role": "user", "content": "Çà et là 🐄🌊  日本語\n\n  indented\tand tabbed  "}], True, {}),
    ("tool call and result", [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"type": "function", "function": {"name": "get_weather",
                                              "arguments": {"city": "Paris", "days": 2, "metric": True}}}]},
        {"role": "tool", "content": {"temperature": 21.5, "sky": "clear"}},
        {"role": "user", "content": "Thanks"}], True, {}),
    ("tool result as a string", [
        {"role": "user", "content": "Run it"},
        {"role": "ipython", "content": "done: 3 files"}], True, {}),
    ("tools in the first user message", [
        {"role": "system", "content": "Use tools."},
        {"role": "user", "content": "  What's 2+2?  "}], True, {"tools": [
            {"type": "function", "function": {
                "name": "add", "description": "Adds two numbers.",
                "parameters": {"type": "object", "properties": {
                    "a": {"type": "number"}, "b": {"type": "number"}}, "required": ["a", "b"]}}}]}),
    ("tools in the system message", [
        {"role": "system", "content": "Sys."},
        {"role": "user", "content": "Go"}], True, {
            "tools_in_user_message": False,
            "tools": [{"type": "function", "function": {"name": "noop", "parameters": {}}}]}),
]

OTHER_CONVERSATIONS = [
    ("chatml", "user only", [{"role": "user", "content": " Hi there "}], True),
    ("chatml", "with system", [
        {"role": "system", "content": "Sys"}, {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"}], False),
    ("features", "mixed turns", [
        {"role": "system", "content": "  be terse "},
        {"role": "user", "content": "the quick brown fox jumps"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "this"}]}], True),
    ("features", "only system", [{"role": "system", "content": "alone"}], False),
]

# Small templates, rendered by transformers' own Jinja environment with x =
# {"a": [1, 2, 3], "s": " Hi  ", "n": none}: whitespace control and Python
# value semantics, one behaviour each.
SNIPPETS = [
    "a\n  {% if true %}\n  b\n  {% endif %}\nc",
    "a\n  {%+ if true %}\nb{% endif +%}\nc",
    "a  {%- if true -%}  b  {%- endif -%}  c",
    "{{ 'x' }}\n{{ 'y' -}}\n  z",
    "  {# note #}\nline\n\t{#- trimmed #}  next",
    "{% for i in x.a %}{{ i }}{% if not loop.last %}, {% endif %}{% endfor %}",
    "{% for i in x.a %}{% set y = i %}{% endfor %}[{{ y }}]",
    "{% for k, v in {'p': 1, 'q': 2}.items() %}{{ k }}={{ v }};{% endfor %}",
    "{{ x.s | trim }}|{{ x.s.strip() }}|{{ x.s.lstrip() }}|{{ x.s.rstrip() }}|",
    "{{ x.n }} {{ x.missing }} {{ x.n is none }} {{ x.missing is defined }} {{ x.s is string }}",
    "{{ x.a[-1] }} {{ x.a[1:] }} {{ x.a[::2] }} {{ x.a[5] is defined }} {{ x.s[1:3] }}",
    "{{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ [1, 2] == [1, 2] }} {{ 3 in x.a }} {{ 'H' in x.s }} {{ 'z' not in x.s }}",
    "{{ 10 / 4 }} {{ 10 // 4 }} {{ -10 // 4 }} {{ 10 % -3 }} {{ 2 ** -1 }} {{ 1.0 }} {{ 1e-5 }} {{ 123456789012345678.0 }}",
    "{{ x.a | tojson }} {{ x | tojson }} {{ 'é\n' | tojson }} {{ 'é' | tojson(ensure_ascii=true) }}",
    "{{ x | tojson(indent=2) }}",
    "{{ x.s ~ 1 ~ none }} {{ 'ab' * 3 }} {{ x.a + [4] }} {{ {'k': 'v'} }}",
    "{{ 'a' if x.n else 'b' }} {{ x.n or 'fallback' }} {{ x.s and 'yes' }} {{ not x.a }}",
    "{{ 'A-b c'.title() }} {{ 'hello world'.capitalize() }} {{ 'a,b,,c'.split(',') }} {{ ' a  b '.split() }}",
    "{{ x.a | length }} {{ x.s | length }} {{ x.a | first }} {{ x.a | last }} {{ x.a | reverse | list }} {{ x.a | join('-') }}",
    "{{ x.missing | default('d') }} {{ '' | default('e', true) }} {{ x.a | map('string') | join }} {{ '3' | int + 1 }} {{ '2.5' | float }}",
    "{{ x.a | select('odd') | list }} {{ x.a | reject('odd') | list }} {{ [{'r': 1}, {'r': 2}] | selectattr('r', 'eq', 2) | list }}",
    "{% set ns = namespace(total=0) %}{% for i in range(1, 5) %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}",
    "{% for i in [] %}x{% else %}empty{% endfor %} {% for c in 'ab' %}{{ c }}{{ loop.index0 }}{% endfor %}",
    "{{ dict(a=1, b='two') }} {{ x.s.replace(' ', '_') }} {{ x.s.startswith(' H') }} {{ x.s.endswith(('x', '  ')) }}",
    "{{ 'line1\\nline2\\t\\u00e9\\x41' }}",
    "{{ 2 ** 62 }} {{ (-3) ** 39 }} {{ 1 ** 9223372036854775807 }} {{ 0 ** 0 }}",
]

SNIPPET_VALUE = {"a": [1, 2, 3], "s": " Hi  ", "n": None}


def main():
    tokenizer = AutoTokenizer.from_pretrained(ROOT / "examples/tiny-llama4")
    cases = []

    def add(template, name, messages, generation_prompt, options):
        text = tokenizer.apply_chat_template(
            messages, chat_template=TEMPLATES[template], tokenize=False,
            add_generation_prompt=generation_prompt, **options)
        ids = tokenizer(text, add_special_tokens=False).input_ids
        cases.append({"template": template, "name": name, "messages": messages,
                      "add_generation_prompt": generation_prompt, "options": options,
                      "text": text, "ids": ids})

    for name, messages, generation_prompt, options in CONVERSATIONS:
        add("llama4", name, messages, generation_prompt, options)
    for template, name, messages, generation_prompt in OTHER_CONVERSATIONS:
        add(template, name, messages, generation_prompt, {})
    snippets = [{"template": source,
                 "text": _compile_jinja_template(source).render(x=SNIPPET_VALUE)}
                for source in SNIPPETS]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "cases.json").write_text(json.dumps(
        {"transformers_version": transformers.__version__, "templates": TEMPLATES, "cases": cases,
         "snippet_variables": {"x": SNIPPET_VALUE}, "snippets": snippets},
        ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases")


if __name__ == "__main__":
    main()
