#!/usr/bin/env python3
"""A differential corpus for zl's drain3.ini reader (ZLDrain/INIFile.swift) made with Python's
`configparser.ConfigParser()` — what Drain3's TemplateMinerConfig.load uses: for each ini text,
either the error configparser raises while reading it, or every section with every key (including
[DEFAULT]'s) and its value after BasicInterpolation (`%%` is `%`, `%(key)s` another key), or the
error that reading that key raises. Writes Formats/vectors/reference/ini-corpus.json.

usage: python3 Tools/reference/make_ini_corpus.py
"""
import configparser, json, os

CASES = [
    "[DRAIN]\nsim_th = 0.4\ndepth = 4\n",
    "[DRAIN]\nsim_th=0.4\ndepth:5\n",
    "[DRAIN]\n  sim_th   =   0.45   \n",
    "[MASKING]\nmasking = [{\"regex_pattern\":\"\\\\d+%%\", \"mask_with\": \"PCT\"}]\n",
    "[MASKING]\nmasking = [\n    {\"regex_pattern\": \"a\", \"mask_with\": \"A\"},\n    {\"regex_pattern\": \"b\", \"mask_with\": \"B\"}\n    ]\nmask_prefix = <:\n",
    "[MASKING]\nmasking = [\n\n    {\"regex_pattern\": \"a\", \"mask_with\": \"A\"}]\n",
    "[MASKING]\nmask_prefix = 50%\n",
    "[MASKING]\nmask_prefix = 50%%\nmask_suffix = %(mask_prefix)s!\n",
    "[MASKING]\nmask_prefix = %(missing)s\n",
    "[MASKING]\nmask_prefix = %(\n",
    "[DEFAULT]\ndepth = 6\n[DRAIN]\nsim_th = 0.5\n",
    "[DRAIN]\nDepth = 4\nSIM_TH = 0.3\n",
    "[DRAIN]\ndepth = 4\ndepth = 5\n",
    "[DRAIN]\ndepth = 4\n[DRAIN]\nsim_th = 1\n",
    "depth = 4\n",
    "[DRAIN]\n= 4\n",
    "[DRAIN]\nnot an option line\n",
    "# comment\n; comment\n[DRAIN]\n# depth = 9\ndepth = 4 # not a comment\n",
    "[DRAIN]\n   # indented comment\ndepth = 4\n",
    "[ DRAIN ]\ndepth = 4\n",
    "[DRAIN] trailing\ndepth = 4\n",
    "[a]b]\nk = v\n",
    "[DRAIN]\r\ndepth = 4\r\nsim_th = 0.4\r\n",
    "[DRAIN]\nextra_delimiters = [\"_\", \"=\"]\nparametrize_numeric_tokens = False\n",
    "[DRAIN]\ndepth = 4\n  continued\n",
    "[DRAIN]\ndepth = 4\n\n  after blank\n",
    "[DRAIN]\ndepth = 4\n# c\n  after comment\n",
    "[DRAIN]\n  depth = 4\n  sim_th = 0.4\n",
    "[DRAIN]\ndepth\n",
    "[DRAIN]\ndepth =\nsim_th = \n",
    "[DRAIN]\nk = a = b : c\nj : x = y\n",
    "[DRAIN]\nk = caf\u00e9 \u00e9t\u00e9\n",
    "",
    "\n\n",
    "[]\nk = v\n",
    "[S]\nk = %(K)s\nK2 = x\n",
    "[S]\na = %(b)s\nb = %(a)s\n",
    "[S]\na = %%(b)s\nb = 1\n",
    "[S]\na = 100%% sure %% ok\n",
    "[DEFAULT]\np = <\n[MASKING]\nmask_prefix = %(p)s\n",
    "\ufeff[DRAIN]\ndepth = 4\n",
    "[DRAIN]\n\tdepth = 4\n\tsim = 1\n",
    "[DRAIN]\ndepth = 4\n\t\ttail\n",
]


def main():
    out = []
    for text in CASES:
        cp = configparser.ConfigParser()
        entry = {"text": text}
        try:
            cp.read_string(text)
        except configparser.Error as e:
            entry["error"] = type(e).__name__
            out.append(entry)
            continue
        sections = []
        for s in cp.sections():
            keys = []
            for k in cp[s]:
                try:
                    keys.append([k, cp.get(s, k)])
                except configparser.Error as e:
                    keys.append([k, None, type(e).__name__])
            sections.append([s, keys])
        entry["sections"] = sections
        out.append(entry)
    path = os.path.join(os.path.dirname(__file__), "..", "..", "Formats", "vectors", "reference", "ini-corpus.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"origin": "Python %s configparser.ConfigParser() (BasicInterpolation), as drain3 0.9.11 reads drain3.ini"
                   % ".".join(map(str, __import__("sys").version_info[:3])), "cases": out}, f, ensure_ascii=False, indent=0)
        f.write("\n")
    print(f"{len(out)} cases -> {path}")


if __name__ == "__main__":
    main()
