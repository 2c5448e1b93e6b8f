"""The tokenizer test corpus: a curated list of hard cases plus seeded random mixtures, ≥ 1,000
strings in all. Deterministic (fixed seed), so the golden files are reproducible."""
import random

CURATED = [
    "Hello world! 123", "\n", "The capital of France is", "", " ", "  ", "   leading", "trailing   ",
    "don't can't I'll we've they're 'tis 'TWAS it'S HE'LL", "1", "12", "123", "1234", "12345678901234567890",
    "3.14159 2,718 1e-9 0xDEADBEEF 99.99%", "v1.2.3-rc.4+build.5", "phone: +1 (555) 010-9999",
    "\t\ttabs\tand\ttext", "a\nb\n\nc\n\n\nd", "line\r\nwindows\r\n\r\n", "  \n  \n", " \t \n \r\n ",
    "def f(x):\n    return [i**2 for i in range(100)]  # squares\n",
    "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 42); return 0; }",
    "{\"key\": [1, 2, {\"nested\": null}], \"ok\": true}", "<html><body><p class='x'>Hi &amp; bye</p></body></html>",
    "SELECT * FROM users WHERE id = 7 AND name LIKE '%bob%';", "x += 1; y -= 2; z *= 3; w /= 4; q **= 5",
    "    indented\n        more\n    back", "https://example.com/path?q=1&x=2#frag", "user@example.org",
    "café résumé naïve — Zürich", "cafe\u0301 (combining) vs caf\u00e9 (precomposed)", "e\u0301\u0302\u0303 Z\u0351\u0352\u0353",
    "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇", "\u1100\u1161\u11a8 (decomposed Hangul) 한국어 텍스트",
    "日本語のトークナイザー 中文 漢字テスト", "我爱北京天安门。", "中文，标点！？《书名》", "ｆｕｌｌｗｉｄｔｈ　ＡＳＣＩＩ　１２３",
    "مرحبا بالعالم", "שלום עולם", "English עברית English", "السلام عليكم 123 ١٢٣", "हिन्दी भाषा", "ภาษาไทย",
    "Ελληνικά Κείμενο", "Русский текст, ёжик.", "Ω≈ç√∫˜µ≤≥÷", "²³¹ ½ ¼ Ⅻ ⅷ ① ⑳", "٣٤٥ ۱۲۳ ०१२ ๑๒๓",
    "emoji 🚀🔥👍 mixed", "👨‍👩‍👧‍👦 family", "🇫🇷🇯🇵 flags", "👍🏽 skin", "❤️ heart", "a😀b😀c",
    "\u00a0nbsp\u00a0", "thin\u2009space", "ideographic\u3000space", "next\u0085line", "mongolian\u180evs",
    "zero\u200bwidth", "bom\ufeffhere", "line\u2028sep\u2029para", "nnbsp\u202f x\u205f y",
    "<|im_start|>user\nhi<|im_end|>\n", "<|endoftext|>", "<|im_start", "im_end|>", "<|begin_of_text|>hi",
    "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n", "text<|im_end|>more<|im_start|>",
    "<|im_start|><|im_start|>", "<repo_name>x<file_sep>y", "<|reserved_special_token_5|>",
    "!!!???...,,,;;;:::", "((([[[{{{}}}]]])))", "--- *** ___ ~~~ ```", "a-b_c.d/e\\f|g", "'''\"\"\"''",
    "ALLCAPS lowercase MixedCase camelCase snake_case kebab-case", "I'M SHOUTING 'S 'T 'RE",
    "'s's's", "''s", "x's y'S", "123abc456def", "abc123def456", "1 2 3  4   5", "0001 0010 0100",
    "a" * 100, " " * 50, "\n" * 20, "ab " * 40, "🙂" * 10, "長" * 30,
]

WORDS = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "Hello", "WORLD", "tokenizer", "don't",
         "It's", "we'll", "naïve", "straße", "Müller", "façade", "日本", "東京", "中文", "北京", "한국", "서울",
         "привет", "мир", "مرحبا", "שלום", "नमस्ते", "สวัสดี", "Ελλάδα", "def", "return", "int", "std::vector",
         "x_1", "fooBar", "HTTP", "JSON", "e\u0301", "ñ", "Å", "ø"]
PUNCT = [".", ",", "!", "?", ";", ":", "-", "--", "...", "(", ")", "[", "]", "{", "}", "\"", "'", "`", "/", "\\",
         "@", "#", "$", "%", "^", "&", "*", "+", "=", "<", ">", "|", "~", "。", "，", "、", "！", "«", "»", "—", "…"]
SPACES = [" ", " ", " ", "  ", "   ", "\t", "\n", "\n\n", "\r\n", " \n", "\n ", "\u00a0", "\u3000", "    "]
EMOJI = ["😀", "🚀", "🔥", "👍", "👍🏾", "❤️", "🇩🇪", "👩‍💻", "🤖", "✨", "☕"]
DIGITS = "0123456789"


def random_string(rng):
    parts = []
    for _ in range(rng.randint(1, 24)):
        r = rng.random()
        if r < 0.40:
            parts.append(rng.choice(WORDS))
        elif r < 0.55:
            parts.append("".join(rng.choice(DIGITS) for _ in range(rng.randint(1, 9))))
        elif r < 0.72:
            parts.append(rng.choice(SPACES))
        elif r < 0.88:
            parts.append(rng.choice(PUNCT))
        elif r < 0.95:
            parts.append(rng.choice(EMOJI))
        else:
            parts.append(chr(rng.randint(0x4E00, 0x4FFF)))
    sep = rng.choice(["", " ", " ", ""])
    return sep.join(parts)


def corpus():
    rng = random.Random(20261123)
    out = list(CURATED)
    while len(out) < 1100:
        out.append(random_string(rng))
    return out
