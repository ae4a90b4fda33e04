/**
 * RE2 as Terraform runs it. Every expected value and message below is what
 * `terraform console` (Terraform 1.11.4) printed for the same expression.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { evaluate } from "./eval.ts";
import { parseExpression } from "./parser.ts";
import { Sensitive } from "./value.ts";
import { compileRe2, RE2_SCRIPT_NAMES, Re2SyntaxError } from "./_re2.ts";

function rejection(pattern: string): unknown {
  try {
    compileRe2(pattern);
  } catch (e) {
    return e;
  }
  return undefined;
}

function run(src: string, variables: Record<string, unknown> = {}) {
  const p = parseExpression(src, "re.cw");
  assertEquals(p.diagnostics, [], `parse ${src}`);
  return evaluate(p.expr, { variables: variables as never, baseDir: "/" });
}

/**
 * [expression, Terraform's value]. Left out are the differences HCL.md lists
 * (a group in a repetition, NFC normalisation of "K" to "K").
 */
const matches: [string, unknown][] = [
  [String.raw`regexall("[[:digit:]]+", "nginx version 1.27.3")`, ["1", "27", "3"]],
  [String.raw`replace("a.b.c", "/\\Q.\\E/", "-")`, "a-b-c"],
  [String.raw`regex("\\pL+","12ab")`, "ab"],
  [String.raw`regex("(?U)a+", "aaa")`, "a"],
  [String.raw`regex(".", "\r")`, "\r"],
  [String.raw`regex("\\x{41}", "zA")`, "A"],
  [String.raw`regexall("a*","baaa")`, ["", "aaa"]],
  [String.raw`replace("aaa","/a*/","x")`, "x"],
  [String.raw`replace("abc","","-")`, "-a-b-c-"],
  [String.raw`replace("ab","/(a)(b)/","$10")`, ""],
  [String.raw`replace("ab","/(a)(b)/","$3")`, ""],
  [String.raw`replace("abc","/(b)/","$&")`, "a$&c"],
  [String.raw`replace("abc","/(b)/","[$1x]")`, "a[]c"],
  ['replace("abc","/(b)/","[$${1}x]")', "a[bx]c"],
  [String.raw`replace("abc","/(?P<n>b)/","[$n]")`, "a[b]c"],
  [String.raw`replace("abc","/(b)/","$$1")`, "a$1c"],
  [String.raw`replace("abc","/(b)/","$")`, "a$c"],
  ['replace("abc","/(b)/","$${1")', "a${1c"],
  [String.raw`replace("abc","/(b)/","$01")`, "ac"],
  [String.raw`replace("abc","/(b)/","$1é")`, "ac"],
  [String.raw`replace("abab","/a|/","-")`, "-b-b-"],
  [String.raw`replace("baaa","/a*/","-")`, "-b-"],
  [String.raw`replace("abc","/x*/","-")`, "-a-b-c-"],
  [String.raw`replace("héllo","","-")`, "-h-é-l-l-o-"],
  [String.raw`regex("(?P<n>a)(?P<n>b)", "ab")`, { "n": "b" }],
  [String.raw`regex("(a)|(b)", "b")`, [null, "b"]],
  [String.raw`regex("\\p{Any}+", "ab")`, "ab"],
  [String.raw`regex("\\p{^Greek}+", "abαβ")`, "ab"],
  [String.raw`regex("\\P{^Greek}+", "abαβ")`, "αβ"],
  [String.raw`regex("[\\p{Greek}\\d]+", "xα1β")`, "α1β"],
  [String.raw`regex("(?i)\\w+", "ſK")`, "ſK"],
  [String.raw`regex("\\s+", "a\u000b\u00a0 b")`, " "],
  [String.raw`regex("[[:^alpha:]]+", "ab12cd")`, "12"],
  [String.raw`regex("^*a", "a")`, "a"],
  [String.raw`regex("a{,3}", "a{,3}")`, "a{,3}"],
  [String.raw`regex("a{01}", "a{01}")`, "a{01}"],
  [String.raw`regex("\\_", "_")`, "_"],
  [String.raw`regex("\\101", "A")`, "A"],
  [String.raw`regex("(?<n>a)", "a")`, { "n": "a" }],
  [String.raw`regex("(?P<1>a)", "a")`, { "1": "a" }],
  [String.raw`regex("(?i)a(?-i)b", "Ab")`, "Ab"],
  [String.raw`regex("a(?i)b|c", "C")`, "C"],
  [String.raw`regex("(?m)^b$", "a\nb\nc")`, "b"],
  [String.raw`regex("(?s).+", "a\nb")`, "a\nb"],
  [String.raw`regex(".+", "a\nb")`, "a"],
  [String.raw`regexall("\\b", "a b")`, ["", "", "", ""]],
  [String.raw`regexall("", "héllo")`, ["", "", "", "", "", ""]],
  [String.raw`regexall("(?P<x>a)|(?P<y>b)", "ab")`, [{ "x": "a", "y": null }, {
    "x": null,
    "y": "b",
  }]],
  [String.raw`regexall("(a)(b)?", "aab")`, [["a", null], ["a", "b"]]],
  [String.raw`regex("[^a]+", "\nb")`, "\nb"],
  [String.raw`regex("[]a]+", "]a")`, "]a"],
  [String.raw`regex("[^]a]+", "]ab")`, "b"],
  [String.raw`regex("[a-]+", "-a")`, "-a"],
  [String.raw`regex("\\Qa.b", "xa.b")`, "a.b"],
  [String.raw`regex("\\Qab\\E+", "abbb")`, "abbb"],
  [String.raw`regex("a\\z", "a")`, "a"],
  [String.raw`regex("(?U)a+?", "aaa")`, "aaa"],
  [String.raw`regex("(?U)(a+)(a*)", "aaa")`, ["a", ""]],
  [String.raw`regex("a|", "b")`, ""],
  [String.raw`regex("()", "b")`, [""]],
  [String.raw`regex("(?i)Σ+", "σςΣ")`, "σςΣ"],
  [String.raw`regex("[[:word:]]+", "a_1-")`, "a_1"],
  [String.raw`regex("[\\D]+", "ab1")`, "ab"],
  [String.raw`regex("😀+", "😀😀x")`, "😀😀"],
  [String.raw`regexall(".", "😀a")`, ["😀", "a"]],
  [String.raw`replace("😀😀", "/x*/", "-")`, "-😀-😀-"],
  [String.raw`regex("(?s:.)", "\n")`, "\n"],
  [String.raw`regexall("(?i)straSSe|ß", "STRASSE ß ẞ")`, ["STRASSE", "ß", "ẞ"]],
  [String.raw`regexall("[[:upper:][:digit:]]+", "abC1D2e")`, ["C1D2"]],
  [String.raw`regexall("[^[:space:]]+", "a b\tc\nd")`, ["a", "b", "c", "d"]],
  [String.raw`regexall("(?i)[[:lower:]]+", "aBc")`, ["aBc"]],
  [String.raw`regexall("[\\[\\]\\-\\\\^]+", "a[]-\\^b")`, ["[]-\\^"]],
  [String.raw`regexall("[a-c-e]+", "abc-e d")`, ["abc-e"]],
  [String.raw`regexall("[\\x{1F600}-\\x{1F64F}]", "x😀y🙏")`, ["😀", "🙏"]],
  [String.raw`regexall("\\W+", "a-b é")`, ["-", " é"]],
  [String.raw`regexall("\\S+", "a\u00a0b c")`, ["a b", "c"]],
  [String.raw`regexall("[\\s\\S]", "a\n")`, ["a", "\n"]],
  [String.raw`regexall("(?m)^\\w+$", "one\ntwo\r\nthree")`, ["one", "three"]],
  [String.raw`regexall("(?m)$", "a\nb")`, ["", ""]],
  [String.raw`regexall("(?m)^", "a\nb\n")`, ["", "", ""]],
  [String.raw`regexall("$", "a\nb\n")`, [""]],
  [String.raw`regexall("\\B", "ab cd")`, ["", ""]],
  [String.raw`regexall("(?i)\\bk", "K k")`, ["K", "k"]],
  [String.raw`regexall("a{2,3}", "aaaaaaa")`, ["aaa", "aaa"]],
  [String.raw`regexall("a{2,}?", "aaaaa")`, ["aa", "aa"]],
  [String.raw`regexall("(?U)a{2,}", "aaaaa")`, ["aa", "aa"]],
  [String.raw`regexall("(?U)a{2,}?", "aaaaa")`, ["aaaaa"]],
  [String.raw`regexall("x*", "xax")`, ["x", "x"]],
  [String.raw`regexall("(a|ab)(c|bcd)(d*)", "abcd")`, [["a", "bcd", ""]]],
  [String.raw`regexall("(?s)a.c", "a\nc")`, ["a\nc"]],
  [String.raw`regexall("(?i:A)b", "ab Ab AB")`, ["ab", "Ab"]],
  [String.raw`regexall("(?i)a(?-i:b)c", "ABC AbC")`, ["AbC"]],
  [String.raw`regexall("(?im)^a", "b\nA")`, ["A"]],
  [String.raw`regexall("\\141", "a")`, ["a"]],
  [String.raw`regexall("\\x61\\x{62}", "ab")`, ["ab"]],
  [
    'regexall("\\\\.\\\\*\\\\+\\\\?\\\\(\\\\)\\\\{\\\\}\\\\|\\\\$\\\\^\\\\#\\\\ \\\\&\\\\~\\\\-\\\\=\\\\!\\\\<\\\\>\\\\,\\\\;\\\\:\\\\\'\\\\\\"\\\\/\\\\%\\\\@\\\\`", ".*+?(){}|$^# &~-=!<>,;:\'\\"/%@`")',
    [".*+?(){}|$^# &~-=!<>,;:'\"/%@`"],
  ],
  [String.raw`regexall("}", "a}")`, ["}"]],
  [String.raw`regexall("]", "a]")`, ["]"]],
  [String.raw`regexall("a{", "a{")`, ["a{"]],
  [String.raw`regexall("a{1", "a{1")`, ["a{1"]],
  [String.raw`regexall("a{1,2", "a{1,2")`, ["a{1,2"]],
  [String.raw`regexall("(?P<first>\\w+) (?P<last>\\w+)", "Ada Lovelace, Alan Turing")`, [{
    "first": "Ada",
    "last": "Lovelace",
  }, { "first": "Alan", "last": "Turing" }]],
  [
    String.raw`replace("Ada Lovelace", "/(?P<first>\\w+) (?P<last>\\w+)/", "$last, $first")`,
    "Lovelace, Ada",
  ],
  ['replace("Ada Lovelace", "/(?P<first>\\\\w+) (?P<last>\\\\w+)/", "$${last}_x")', "Lovelace_x"],
  [String.raw`replace("Ada Lovelace", "/(?P<first>\\w+) (?P<last>\\w+)/", "$last_x")`, ""],
  [String.raw`replace("abc", "/b/", "$0$0")`, "abbc"],
  [String.raw`replace("abc", "/(b)/", "$1$")`, "ab$c"],
  [String.raw`replace("abc", "/(b)/", "$$$1")`, "a$bc"],
  [String.raw`replace("a.b", "/./", "x")`, "xxx"],
  [String.raw`replace("a1b22", "/\\d*/", "<$0>")`, "<>a<1>b<22>"],
  [String.raw`replace("😀😀", "/😀?/", "x")`, "xx"],
  [String.raw`replace("aXbX", "/(?i)x/", "-")`, "a-b-"],
  [String.raw`replace("line1\nline2", "/(?m)^/", "> ")`, "> line1\n> line2"],
  [String.raw`replace("line1\nline2\n", "/(?m)$/", ";")`, "line1;\nline2;\n;"],
  [String.raw`replace("abc", "/$/", "!")`, "abc!"],
  [String.raw`replace("abc", "/^/", "!")`, "!abc"],
  [String.raw`replace("", "/^/", "!")`, "!"],
  [String.raw`replace("", "/x*/", "!")`, "!"],
  [String.raw`regexall("", "")`, [""]],
  [String.raw`regexall("a|b|", "ab")`, ["a", "b"]],
  [String.raw`regex("(a*)+", "b")`, [""]],
  [String.raw`regex("(a|b)*", "ab")`, ["b"]],
  [String.raw`regex("(?:a{0})", "x")`, ""],
  [String.raw`regex("a{0}b", "ab")`, "b"],
  [String.raw`regex("(a){0}", "a")`, [null]],
  [String.raw`regex("[[:^word:]]+", "ab-+c")`, "-+"],
  [String.raw`regex("[^\\d\\s]+", "12 ab 3")`, "ab"],
  [String.raw`regex("[\\d-z]+", "1-z")`, "1-z"],
  [String.raw`regex("[\\pL\\pN]+", "-aé1-")`, "aé1"],
  [String.raw`regex("[^\\pL]+", "ab12cd")`, "12"],
  [String.raw`regex("\\p{Han}+", "x漢字y")`, "漢字"],
  [String.raw`regex("\\p{Lu}+", "abCDe")`, "CD"],
  [String.raw`regex("(?i)\\p{Lu}+", "abCDe")`, "abCDe"],
  [String.raw`regex("\\PL+", "ab12cd")`, "12"],
  [String.raw`regex("\\pZ", "a b")`, " "],
  [String.raw`regex("(?i)(?s-i:a.)B", "a\nb")`, "a\nb"],
  [String.raw`regex("(?<n>a)(?<n>b)?", "a")`, { "n": null }],
  [String.raw`regex("a??", "a")`, ""],
  [String.raw`regex("a+?", "aaa")`, "a"],
  [String.raw`regex("a*?b", "aab")`, "aab"],
  [String.raw`regex("(?U)a*?b", "aab")`, "aab"],
  [String.raw`regex("\\Qa\\E\\Q.b\\E", "a.b")`, "a.b"],
  [String.raw`regex("a\\Q\\E*", "aa")`, "aa"],
  [String.raw`regex("\\z", "ab")`, ""],
  [String.raw`regex("(?m)a$", "a\n")`, "a"],
  [String.raw`regex("(?m)\\Aa$", "a\nb")`, "a"],
  [String.raw`regex("(?i)ǅ", "ǆ")`, "ǆ"],
  [String.raw`regex("(?i)[ǅ]", "Ǆ")`, "Ǆ"],
  [String.raw`regex("(?i)σ+", "ΣσςϹ")`, "Σσς"],
  [String.raw`regex("\\0", "\u0000")`, "\u0000"],
  [String.raw`regex("\\08", "\u00008")`, "\u00008"],
  [String.raw`regex("\\777", "\u01ff")`, "ǿ"],
  [String.raw`regex("[\\777]", "\u01ff")`, "ǿ"],
  [String.raw`regex("\\-", "-")`, "-"],
  [String.raw`regex("[\\-]", "-")`, "-"],
  [String.raw`regex("[a-a]", "a")`, "a"],
  [String.raw`regex("[--/]+", "-./")`, "-./"],
  [String.raw`regex("[+--]+", "+,-")`, "+,-"],
  [String.raw`regex("[]]", "]")`, "]"],
  [String.raw`regex("[^-a]+", "bc-a")`, "bc"],
  [String.raw`regex("[a-]", "-")`, "-"],
  [String.raw`regex("[[]", "[")`, "["],
  [String.raw`regex("[[:alpha:]-z]+", "ab-z")`, "ab-z"],
  [String.raw`regex("[\\d-\\w]", "a")`, "a"],
  [String.raw`regex("^$", "")`, ""],
  [String.raw`regexall("(?i)\\bfoo\\b", "FOO foo xfoo")`, ["FOO", "foo"]],
  [String.raw`regexall("a(?i:b(?-i:c)d)e", "aBcDe aBCDe")`, ["aBcDe"]],
  [String.raw`regexall("(?i)a(b(?-i)c)d|e", "ABcD ABCD E")`, [["Bc"], [null]]],
  [String.raw`regexall("((?i)a)b", "Ab AB")`, [["A"]]],
  [String.raw`regexall("(?s:a.)(.)", "a\n\n")`, []],
  [String.raw`regexall("(?m:^a)|^b", "b\na\nb")`, ["b", "a"]],
  [String.raw`regexall("(?U)(a+)(?-U:a+)", "aaaa")`, [["a"]]],
  [String.raw`regexall("[[:alpha:]]+(?i)[[:lower:]]+", "abcDEF")`, ["abcDEF"]],
  [String.raw`regexall("(?i)[a-c]+\\b", "ABC abc")`, ["ABC", "abc"]],
  [String.raw`replace("Hello World", "/(?i)(o)/", "[$1]")`, "Hell[o] W[o]rld"],
  [String.raw`replace("k K", "/(?i)k/", "x")`, "x x"],
  [String.raw`regexall("\\p{Greek}\\P{Greek}", "αb βγ")`, ["αb"]],
  [String.raw`regexall("[^\\p{L}\\s]+", "ab 12, cd!")`, ["12,", "!"]],
  [String.raw`regexall("(?i)ǅ+", "ǄǅǆDž")`, ["Ǆǅǆ"]],
  [String.raw`regexall("\\x{10000}-\\x{10FFFF}", "x")`, []],
  [String.raw`regexall("[\\x{10000}-\\x{10FFFF}]+", "a😀𝔸b")`, ["😀𝔸"]],
  [String.raw`regexall("(?:)", "ab")`, ["", "", ""]],
  [String.raw`regexall("()|a", "ab")`, [[""], [""], [""]]],
  [String.raw`regexall("a*?", "aa")`, ["", "", ""]],
  [String.raw`regexall("a??b", "ab b")`, ["ab", "b"]],
  [String.raw`replace("aaa", "/a*?/", "-")`, "-a-a-a-"],
  [String.raw`replace("abc", "/b*/", "-")`, "-a-c-"],
  [String.raw`replace("abc", "/(?:b*)|c/", "-")`, "-a-c-"],
];

/** [expression, Terraform's message] */
const rejected: [string, string][] = [
  [
    String.raw`regex("a(?=b)", "ab")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid or unsupported Perl syntax in (?=.',
  ],
  [
    String.raw`regex("a(?!b)", "ab")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid or unsupported Perl syntax in (?!.',
  ],
  [
    String.raw`regex("(?<=a)b", "ab")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid named capture in (?<=a)b.',
  ],
  [
    String.raw`regex("(a)\\1", "aa")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\1.',
  ],
  [
    String.raw`regex("a++", "aa")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid nested repetition operator in ++.',
  ],
  [
    String.raw`regex("a*+", "aa")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid nested repetition operator in *+.',
  ],
  [
    String.raw`regex("(", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: missing closing ) in (.',
  ],
  [
    String.raw`regexall("(", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: missing closing ) in (.',
  ],
  [
    String.raw`regex("a{1001}", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid repeat count in {1001}.',
  ],
  [
    String.raw`regex("**", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: missing argument to repetition operator in *.',
  ],
  [
    String.raw`regex("\\8", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\8.',
  ],
  [
    String.raw`regex("\\1", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\1.',
  ],
  [
    String.raw`regex("\\Z", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\Z.',
  ],
  [
    String.raw`regex("[z-a]", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid character class range in z-a.',
  ],
  [
    String.raw`regex("\\p{Foo}", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid character class range in \\p{Foo}.',
  ],
  [
    String.raw`regex("(?P<n>a)(b)", "ab")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: cannot mix both named and unnamed capture groups.',
  ],
  [
    String.raw`regex("x", "abc")`,
    'Call to function "regex" failed: pattern did not match any part of the given string.',
  ],
  [
    String.raw`regex("\\p{LC}", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid character class range in \\p{LC}.',
  ],
  [
    String.raw`regex("\\p{Cn}", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid character class range in \\p{Cn}.',
  ],
  [
    String.raw`regex("\\p{Latn}", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid character class range in \\p{Latn}.',
  ],
  [
    String.raw`regex("\\p{latin}", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid character class range in \\p{latin}.',
  ],
  [
    String.raw`regex("[[:foo:]]", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid character class range in [:foo:].',
  ],
  [
    String.raw`regex("[a", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: missing closing ] in [a.',
  ],
  [
    String.raw`regex("a)", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: unexpected ) in a).',
  ],
  [
    String.raw`regex("a{2}{3}", "aaaaaa")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid nested repetition operator in {2}{3}.',
  ],
  [
    String.raw`regex("(a{100}){100}", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid repeat count in {100}.',
  ],
  [
    String.raw`regex("a{2,1}", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid repeat count in {2,1}.',
  ],
  [
    String.raw`regex("x\\", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: trailing backslash at end of expression in .',
  ],
  [
    String.raw`regex("\\C", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\C.',
  ],
  [
    String.raw`regex("\\q", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\q.',
  ],
  [
    String.raw`regex("\\0101", "A1")`,
    'Call to function "regex" failed: pattern did not match any part of the given string.',
  ],
  [
    String.raw`regex("\\x4", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\x4.',
  ],
  [
    String.raw`regex("\\x{}", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\x{}.',
  ],
  [
    String.raw`regex("\\x{110000}", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\x{110000.',
  ],
  [
    String.raw`regex("(?P=n)", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid or unsupported Perl syntax in (?P.',
  ],
  [
    String.raw`regex("(?P<n!>a)", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid named capture in (?P<n!>.',
  ],
  [
    String.raw`regex("(?-)a", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid or unsupported Perl syntax in (?-).',
  ],
  [
    String.raw`regex("(?i-s:a.)", "A\n")`,
    'Call to function "regex" failed: pattern did not match any part of the given string.',
  ],
  [
    String.raw`regex("(?i)a(?-i)b", "AB")`,
    'Call to function "regex" failed: pattern did not match any part of the given string.',
  ],
  [
    String.raw`regex("^b$", "a\nb\nc")`,
    'Call to function "regex" failed: pattern did not match any part of the given string.',
  ],
  [
    String.raw`regex("(?m)a$", "a\r\n")`,
    'Call to function "regex" failed: pattern did not match any part of the given string.',
  ],
  [
    String.raw`regex("\\Aa", "ba")`,
    'Call to function "regex" failed: pattern did not match any part of the given string.',
  ],
  [
    String.raw`regex("(?i)[^k]", "\u212a")`,
    'Call to function "regex" failed: pattern did not match any part of the given string.',
  ],
  [
    String.raw`regexall("{2}", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: missing argument to repetition operator in {2}.',
  ],
  [
    String.raw`regex("x{1000}", "x")`,
    'Call to function "regex" failed: pattern did not match any part of the given string.',
  ],
  [
    String.raw`regex("x{1001}", "x")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid repeat count in {1001}.',
  ],
  [
    String.raw`regex("(x{2}){500}", "x")`,
    'Call to function "regex" failed: pattern did not match any part of the given string.',
  ],
  [
    String.raw`regex("(x{2}){501}", "x")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid repeat count in {501}.',
  ],
  [
    String.raw`regex("((x{10}){10}){10}", "x")`,
    'Call to function "regex" failed: pattern did not match any part of the given string.',
  ],
  [
    String.raw`regex("x{100000000}", "x")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid repeat count in {100000000}.',
  ],
  [
    String.raw`regex("x{0,100000000}", "x")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid repeat count in {0,100000000}.',
  ],
  [
    String.raw`regex("[a-\\d]", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\d.',
  ],
  [
    String.raw`regex("\\p{L", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid character class range in \\p{L.',
  ],
  [
    String.raw`regex("\\p", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid character class range in \\p.',
  ],
  [
    String.raw`regex("(?i", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid or unsupported Perl syntax in (?i.',
  ],
  [
    String.raw`regex("(?im-s:a.)", "A\n")`,
    'Call to function "regex" failed: pattern did not match any part of the given string.',
  ],
  [
    String.raw`regex("(?--i)", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid or unsupported Perl syntax in (?--.',
  ],
  [
    String.raw`regex("(?i-)", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid or unsupported Perl syntax in (?i-).',
  ],
  [
    String.raw`regex("(?x)a", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid or unsupported Perl syntax in (?x.',
  ],
  [
    String.raw`regex("(?#c)a", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid or unsupported Perl syntax in (?#.',
  ],
  [
    String.raw`regex("(?P>n)", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid or unsupported Perl syntax in (?P.',
  ],
  [
    String.raw`regex("(?'n'a)", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid or unsupported Perl syntax in (?\'.',
  ],
  [
    String.raw`regex("(?P<>a)", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid named capture in (?P<>.',
  ],
  [
    String.raw`regex("(?P<a-b>a)", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid named capture in (?P<a-b>.',
  ],
  [
    String.raw`regex("(?P<é>a)", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid named capture in (?P<é>.',
  ],
  [
    String.raw`regex("(?P<n", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid named capture in (?P<n.',
  ],
  [
    String.raw`regex("((a)", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: missing closing ) in ((a).',
  ],
  [
    String.raw`regex("())", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: unexpected ) in ()).',
  ],
  [
    String.raw`regex("a|*", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: missing argument to repetition operator in *.',
  ],
  [
    String.raw`regex("(*)", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: missing argument to repetition operator in *.',
  ],
  [
    String.raw`regex("a**", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid nested repetition operator in **.',
  ],
  [
    String.raw`regex("a*?*", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid nested repetition operator in *?*.',
  ],
  [
    String.raw`regex("\\Q\\E*", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: missing argument to repetition operator in *.',
  ],
  [
    String.raw`regex("[\\Q]\\E]", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\Q.',
  ],
  [
    String.raw`regex("\\Z", "ab")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\Z.',
  ],
  [
    String.raw`regex("a$", "a\n")`,
    'Call to function "regex" failed: pattern did not match any part of the given string.',
  ],
  [
    String.raw`regex("\\e", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\e.',
  ],
  [
    String.raw`regex("\\cA", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\c.',
  ],
  [
    String.raw`regex("\\u0041", "A")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\u.',
  ],
  [
    String.raw`regex("\\N{LATIN}", "A")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\N.',
  ],
  [
    String.raw`regex("\\g1", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\g.',
  ],
  [
    String.raw`regex("\\k<n>", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\k.',
  ],
  [
    String.raw`regex("\\X", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\X.',
  ],
  [
    String.raw`regex("\\R", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\R.',
  ],
  [
    String.raw`regex("\\h", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\h.',
  ],
  [
    String.raw`regex("\\G", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\G.',
  ],
  [
    String.raw`regex("\\K", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\K.',
  ],
  [
    String.raw`regex("\\é", "é")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\é.',
  ],
  [
    String.raw`regex("[\\é]", "é")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\é.',
  ],
  [
    String.raw`regex("[\\b]", "b")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid escape sequence in \\b.',
  ],
  [
    String.raw`regex("[]", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: missing closing ] in [].',
  ],
  [
    String.raw`regex("[^]", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: missing closing ] in [^].',
  ],
  [
    String.raw`regex("[[:alpha:", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: missing closing ] in [[:alpha:.',
  ],
  [
    String.raw`regex("[[:alpha:]", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: missing closing ] in [[:alpha:].',
  ],
  [
    String.raw`regex("[z-[:alpha:]]", "a")`,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid character class range in z-[.',
  ],
  [
    String.raw`regex("(?i)[^a-z]", "\u212a")`,
    'Call to function "regex" failed: pattern did not match any part of the given string.',
  ],
  [
    String.raw`regex("\\x{D800}", "a")`,
    'Call to function "regex" failed: pattern did not match any part of the given string.',
  ],
  [
    String.raw`regex(".", "")`,
    'Call to function "regex" failed: pattern did not match any part of the given string.',
  ],
];

for (const [src, expected] of matches) {
  Deno.test(`re2 as Terraform: ${src}`, () => {
    const res = run(src);
    assertEquals(res.diagnostics.map((d) => d.detail), [], src);
    // Objects from the evaluator have no prototype; compare as plain data.
    assertEquals(JSON.parse(JSON.stringify(res.value)), expected, src);
  });
}

for (const [src, message] of rejected) {
  Deno.test(`re2 rejects as Terraform: ${src}`, () => {
    const res = run(src);
    assertEquals(res.diagnostics.length, 1, src);
    const detail = res.diagnostics[0].detail!;
    // Terraform says "Call to function … failed:" where we point at the argument.
    const expected = message.replace(/^Call to function "\w+" failed: /, "").replace(/\.$/, "");
    assert(detail.replace(/\.$/, "") === expected, `${src}\n  got:  ${detail}\n  want: ${message}`);
  });
}

Deno.test("replace with an invalid pattern points at the pattern with RE2's reason", () => {
  const src = `replace("a", "/(/", "b")`;
  const res = run(src);
  assertEquals(res.diagnostics.length, 1);
  const d = res.diagnostics[0];
  assertEquals(src.slice(d.subject!.start, d.subject!.end), `"/(/"`);
  assertEquals(
    d.detail,
    'Invalid value for "substr" parameter: invalid regexp pattern: missing closing ) in (.',
  );
});

Deno.test("a pattern error hides the pattern when the pattern is sensitive", () => {
  const res = run(`regex(secret, "x")`, { secret: new Sensitive("(?=x") });
  const detail = res.diagnostics[0].detail!;
  assertEquals(
    detail,
    'Invalid value for "pattern" parameter: invalid regexp pattern: invalid or unsupported Perl syntax.',
  );
});

Deno.test("every script name RE2 knows is one the JavaScript engine knows", () => {
  for (const name of RE2_SCRIPT_NAMES) {
    assert(compileRe2(`\\p{${name}}`).regexp instanceof RegExp, name);
    assert(compileRe2(`[^\\P{^${name}}]`).regexp instanceof RegExp, name);
  }
  // JavaScript's short aliases are not RE2 names.
  for (const alias of ["Latn", "Grek", "Script=Latin", "L&", "LC", "Cn", "latin"]) {
    const err = rejection(`\\p{${alias}}`);
    assert(err instanceof Re2SyntaxError, alias);
    assertEquals(err.code, "invalid character class range");
  }
});

Deno.test("multiLine starts the pattern as (?m): ^ and $ at line starts and ends, \\A and \\z at the text's", () => {
  const lines = compileRe2("^b$", { multiLine: true });
  assert(lines.test("a\nb\nc"));
  assert(!compileRe2("^b$").test("a\nb\nc"));
  assert(!compileRe2("\\Ab", { multiLine: true }).test("a\nb"));
  assert(!compileRe2("(?-m)^b", { multiLine: true }).test("a\nb"));
  // Go's lines end at \n only.
  assert(!lines.test("a\rb\rc"));
  assertEquals(lines.source, "^b$");
});

Deno.test("a compiled pattern is cached, and so is a rejection", () => {
  assert(compileRe2("x[[:digit:]]+") === compileRe2("x[[:digit:]]+"));
  assert(compileRe2("x", { multiLine: true }) !== compileRe2("x"));
  const first = rejection("a++");
  const second = rejection("a++");
  assert(first instanceof Re2SyntaxError && first === second);
  assertEquals(first.message, "invalid nested repetition operator in ++");
});

Deno.test("find, findAll and replaceAll step over surrogate pairs as whole characters", () => {
  const empty = compileRe2("");
  assertEquals(empty.findAll("😀a").map((m) => m.index), [0, 2, 3]);
  assertEquals(empty.replaceAll("😀a", "-"), "-😀-a-");
  assertEquals(compileRe2(".").findAll("😀").map((m) => m[0]), ["😀"]);
});
