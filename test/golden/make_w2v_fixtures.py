#!/usr/bin/env python3
"""make_w2v_fixtures.py -- word2vec fixtures and golden numbers written by gensim, for verbo's tests.

Writes into test/golden/w2v/ (run once by hand; the outputs are committed, tests never need python):
  gensim.txt, gensim.bin   KeyedVectors.save_word2vec_format (text and binary) of a small vocabulary
                           whose vectors follow a closed formula the tests recompute independently:
                           row of word (g, r) = float32(B(g, j) + R(r, j)), B(g, j) = ((37g + 23j) % 97 - 48) / 7,
                           R(r, j) = ((53r + 29j) % 89 - 44) / 5, j = 0..DIM-1 (float64 math, one rounding).
  analogies.txt, pairs.tsv small evaluation files (questions-words and WordSim formats)
  gensim_golden.json       gensim 4.2's answers on those vectors: most_similar, most_similar_cosmul,
                           doesnt_match, similarity, evaluate_word_analogies, evaluate_word_pairs.
  fasttext.vec             vectors written by the fastText CLI (Debian `fasttext`, skipgram -maxn 0,
                           one thread, dim 6) on a tiny generated corpus, when the CLI is installed:
                           its .vec text format ("N DIM" header, a trailing space on every line).

Usage: /usr/bin/python3 test/golden/make_w2v_fixtures.py   (Debian python3-gensim 4.2)
"""
import json
import os
import shutil
import subprocess
import tempfile

import gensim
import numpy as np
from gensim.models import KeyedVectors

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "w2v")
DIM = 12
GROUPS = ["paris", "france", "ação", "über", "東京", "naïve", "rome", "italy", "berlin", "germany",
          "PARIS", "Ação", "lisboa", "portugal", "madrid", "spain"]
RELATIONS = ["", "_s", "_x", "_y"]


def words_and_vectors():
    words, rows = [], []
    for g, group in enumerate(GROUPS):
        for r, relation in enumerate(RELATIONS):
            words.append(group + relation)
            rows.append([((37 * g + 23 * j) % 97 - 48) / 7 + ((53 * r + 29 * j) % 89 - 44) / 5 for j in range(DIM)])
    return words, np.array(rows, dtype=np.float64).astype(np.float32)


def neighbors(pairs):
    return [[w, float(s)] for w, s in pairs]


def main():
    os.makedirs(OUT, exist_ok=True)
    words, vectors = words_and_vectors()
    kv = KeyedVectors(DIM, dtype=np.float32)
    kv.add_vectors(words, vectors)
    kv.save_word2vec_format(os.path.join(OUT, "gensim.txt"), binary=False)
    kv.save_word2vec_format(os.path.join(OUT, "gensim.bin"), binary=True)

    analogies = [
        ": capitals",
        "paris paris_s rome rome_s",
        "Paris PARIS_S Berlin berlin_s",  # case variants fold to the most frequent spelling
        "ação ação_x über über_x",
        "東京 東京_y naïve naïve_y",
        "rome rome_x italy italy_x",
        "lisboa lisboa_s madrid madrid_s",
        "paris paris_s rome unknownword",  # skipped: a word outside the vocabulary
        "paris paris_s rome",  # invalid: three words
        ": mixed",
        "france france_y germany germany_y",
        "spain spain_s portugal portugal_x",
        "italy italy_s paris paris_x",
        "madrid madrid_y spain spain_x",
        "germany germany_x berlin berlin_s",
        "portugal portugal_s lisboa lisboa_s",
        "berlin berlin_y madrid madrid_y",
    ]
    with open(os.path.join(OUT, "analogies.txt"), "w", encoding="utf8") as f:
        f.write("\n".join(analogies) + "\n")

    pairs = ["# word pairs for verbo's tests", "# Word 1\tWord 2\tHuman (mean)"]
    rng = np.random.default_rng(7)
    for _ in range(30):
        a, b = rng.choice(len(words), 2, replace=False)
        pairs.append(f"{words[a]}\t{words[b]}\t{int(rng.integers(0, 6)) * 1.5:.2f}")  # many tied scores
    pairs.append("paris\tnotaword\t5.00")
    pairs.append("Notaword\tPARIS\t3.00")
    with open(os.path.join(OUT, "pairs.tsv"), "w", encoding="utf8") as f:
        f.write("\n".join(pairs) + "\n")

    golden = {"gensim": gensim.__version__, "dim": DIM, "words": words}
    golden["most_similar"] = [
        {"positive": ["paris"], "negative": [], "topn": 5, "restrict_vocab": None,
         "result": neighbors(kv.most_similar(positive=["paris"], topn=5))},
        {"positive": ["paris_s", "rome"], "negative": ["paris"], "topn": 6, "restrict_vocab": None,
         "result": neighbors(kv.most_similar(positive=["paris_s", "rome"], negative=["paris"], topn=6))},
        {"positive": ["東京", "ação"], "negative": ["über"], "topn": 4, "restrict_vocab": 30,
         "result": neighbors(kv.most_similar(positive=["東京", "ação"], negative=["über"], topn=4, restrict_vocab=30))},
    ]
    golden["most_similar_cosmul"] = [
        {"positive": ["paris_s", "rome"], "negative": ["paris"], "topn": 6,
         "result": neighbors(kv.most_similar_cosmul(positive=["paris_s", "rome"], negative=["paris"], topn=6))},
        {"positive": ["naïve", "italy"], "negative": [], "topn": 5,
         "result": neighbors(kv.most_similar_cosmul(positive=["naïve", "italy"], topn=5))},
    ]
    golden["doesnt_match"] = [
        {"words": ws, "result": kv.doesnt_match(ws)}
        for ws in (["paris", "paris_s", "paris_x", "spain_y"], ["rome", "italy", "ação", "東京", "berlin"])
    ]
    golden["similarity"] = [
        {"a": a, "b": b, "result": float(kv.similarity(a, b))}
        for a, b in (("paris", "rome"), ("ação", "Ação"), ("東京", "naïve_y"))
    ]
    golden["analogies"] = []
    for restrict in (64, 30):
        score, sections = kv.evaluate_word_analogies(
            os.path.join(OUT, "analogies.txt"), restrict_vocab=restrict, case_insensitive=True)
        golden["analogies"].append({
            "restrict_vocab": restrict,
            "score": float(score),
            "sections": {s["section"]: {"correct": len(s["correct"]), "incorrect": len(s["incorrect"])}
                         for s in sections},
        })
    pearson, spearman, oov = kv.evaluate_word_pairs(
        os.path.join(OUT, "pairs.tsv"), delimiter="\t", case_insensitive=True)
    rho = spearman[0] if isinstance(spearman, tuple) else spearman.statistic
    golden["pairs"] = {"spearman": float(rho), "pearson": float(pearson[0]), "oov_ratio": float(oov)}
    golden_path = os.path.join(OUT, "gensim_golden.json")
    with open(golden_path, "w", encoding="utf8") as f:
        json.dump(golden, f, ensure_ascii=False, indent=2)
        f.write("\n")
    # The repository's formatter (biome) checks JSON too: leave the file as it would print it.
    subprocess.run(["npx", "biome", "format", "--write", golden_path], check=False,
                   cwd=os.path.dirname(os.path.dirname(os.path.dirname(golden_path))),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def fasttext_vec():
    if shutil.which("fasttext") is None:
        print("fasttext CLI not found: fasttext.vec left as it is")
        return
    words = ["ação", "über", "東京", "naïve", "paris", "rome", "the", "of"]
    lines = [" ".join(words[(i * 3 + k * 5) % len(words)] for k in range(12)) for i in range(200)]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w", encoding="utf8") as f:
            f.write("\n".join(lines) + "\n")
        subprocess.run(["fasttext", "skipgram", "-input", corpus, "-output", os.path.join(tmp, "ft"),
                        "-dim", "6", "-epoch", "1", "-minCount", "1", "-maxn", "0", "-thread", "1"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.copy(os.path.join(tmp, "ft.vec"), os.path.join(OUT, "fasttext.vec"))


if __name__ == "__main__":
    fasttext_vec()
    main()
