#!/usr/bin/env python3
"""make_fasttext_fixtures.py -- a small model written by the fastText CLI and fastText's and gensim's answers on it.

Writes into test/golden/fasttext/ (run once by hand; the outputs are committed, tests never need the CLI):
  cli.bin     `fasttext skipgram` (Debian fasttext 0.9.2) on a tiny generated corpus of English, Portuguese,
              German, Japanese and emoji words: dim 5, minn 2, maxn 4, bucket 1009, minCount 2, ten threads
              (fastText 0.9.2 random-initialises only threads/10 of the input rows: with ten, all of them),
              one epoch -- its .bin format, about 25 kB.
  cli.json    {"settings": ...,
               "ngrams":  {word: [[substring, [5 values]], ...]}   `fasttext print-ngrams cli.bin WORD`
                          (for a vocabulary word the first entry is the word's own row),
               "vectors": {word: [5 values]}                        `fasttext print-word-vectors cli.bin`
                          (vocabulary and out-of-vocabulary words),
               "nn":      {word: [[neighbour, cosine], ...]}       `fasttext nn cli.bin 5`,
               "gensim":  {"vectors": {word: [...]}, "hashes": {ngram: hash}}  gensim 4.2's
                          load_facebook_model(cli.bin).wv[word] and ft_hash_bytes(ngram as UTF-8)}
              The CLI prints 5 significant digits; gensim's values are float32 written in full.

Usage: /usr/bin/python3 test/golden/make_fasttext_fixtures.py   (Debian fasttext and python3-gensim)
"""
import json
import os
import re
import shutil
import subprocess
import tempfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fasttext")
SETTINGS = {"dim": 5, "minn": 2, "maxn": 4, "bucket": 1009, "minCount": 2, "epoch": 1, "ws": 3, "neg": 3}
WORDS = ["ação", "coração", "pão", "você", "é", "über", "東京", "naïve", "😀", "paris", "rome", "the", "of",
         "a", "São", "Paulo", "maçã", "irmã", "avó", "xícara"]
# Queried words: vocabulary words and unknown ones (n-grams only), some sharing n-grams with the vocabulary.
QUERIES = ["ação", "coração", "pão", "é", "über", "東京", "😀", "the", "a",
           "corações", "pãozinho", "東京都", "naïveté", "xyz", "ü", "maçãs", "Sãozinho", "z"]


def corpus_lines():
    n = len(WORDS)
    return [" ".join(WORDS[(i * 7 + k * 3) % n] for k in range(9 + i % 5)) for i in range(150)]


def parse_vector_lines(text):
    rows = []
    for line in text.splitlines():
        parts = line.rstrip().split(" ")
        if len(parts) < SETTINGS["dim"] + 1:
            continue
        rows.append([" ".join(parts[: -SETTINGS["dim"]]), [float(x) for x in parts[-SETTINGS["dim"]:]]])
    return rows


def main():
    if shutil.which("fasttext") is None:
        raise SystemExit("the fastText CLI is needed: apt-get install fasttext")
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w", encoding="utf8") as f:
            f.write("\n".join(corpus_lines()) + "\n")
        s = SETTINGS
        subprocess.run(["fasttext", "skipgram", "-input", corpus, "-output", os.path.join(tmp, "cli"),
                        "-dim", str(s["dim"]), "-minn", str(s["minn"]), "-maxn", str(s["maxn"]),
                        "-bucket", str(s["bucket"]), "-minCount", str(s["minCount"]), "-epoch", str(s["epoch"]),
                        "-ws", str(s["ws"]), "-neg", str(s["neg"]), "-thread", "10", "-seed", "1"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        model = os.path.join(OUT, "cli.bin")
        shutil.copy(os.path.join(tmp, "cli.bin"), model)

    ngrams = {}
    for word in QUERIES:
        out = subprocess.run(["fasttext", "print-ngrams", model, word], check=True, capture_output=True).stdout
        ngrams[word] = parse_vector_lines(out.decode("utf8"))
    out = subprocess.run(["fasttext", "print-word-vectors", model], input="\n".join(QUERIES).encode("utf8"),
                         check=True, capture_output=True).stdout
    vectors = {word: values for word, values in parse_vector_lines(out.decode("utf8"))}
    nn = {}
    for word in ["ação", "corações", "paris"]:
        out = subprocess.run(["fasttext", "nn", model, "5"], input=(word + "\n").encode("utf8"),
                             check=True, capture_output=True).stdout.decode("utf8")
        pairs = re.findall(r"^(\S+) (-?[0-9.e+-]+)$", out.replace("Query word? ", "\n"), re.M)
        nn[word] = [[w, float(v)] for w, v in pairs]

    from gensim.models.fasttext import load_facebook_model
    from gensim.models.fasttext_inner import ft_hash_bytes
    wv = load_facebook_model(model).wv
    gensim = {
        "vectors": {word: [float(x) for x in wv[word]] for word in QUERIES},
        "hashes": {g: int(ft_hash_bytes(g.encode("utf8"))) for g in
                   ["<a", "a>", "<ação>", "ção", "ão>", "<é>", "東京", "😀>", "üb", "<xyz>", "çã"]},
    }
    with open(os.path.join(OUT, "cli.json"), "w", encoding="utf8") as f:
        json.dump({"settings": s, "ngrams": ngrams, "vectors": vectors, "nn": nn, "gensim": gensim},
                  f, ensure_ascii=False, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
