#!/usr/bin/python3
"""Converts a tabular data set that a Debian package ships as an R data file (.rda) into the CSV
tables pulab's `csv` data set reads: DIR/SET/train.csv and DIR/SET/test.csv, each a header row,
the numeric feature columns, and the integer class last (column `class`).

    /usr/bin/python3 datasets/tabular/rda_to_csv.py SET --out DIR [--rda FILE] [--checksums LIST]
    /usr/bin/python3 datasets/tabular/rda_to_csv.py SET --print-checksums [--rda FILE]

SET is spambase, ticdata, satellite, shuttle or letter (docs/data.md describes each). The .rda
file (default: /usr/lib/R/site-library/<R package>/data/<file>, or under $PULAB_R_LIBRARY) is
read with python3-rdata (Debian's package of the `rdata` reader; no R needed). Both the input
file and the two tables are checked against the SHA-256 sums in LIST (default:
datasets/checksums.txt, keys `rda/<Debian package>/<file>` and `SET/train.csv`): a mismatch is an
error and nothing is written. The tables are written to temporary files beside their final names
and renamed into place only when both are complete, so a failure never leaves a partial table.
--print-checksums prints the sums of the input and of the tables it would write, in the list's
format, and writes nothing (for updating the list after a Debian package update).

Conversion (deterministic, byte for byte):
  - numeric columns as they are: integral values as integers, others in Python's shortest
    round-trip form (repr);
  - an ordered R factor: its 0-based level index (the levels are ordered categories: "0%",
    "1 - 10%", ...); an unordered factor: one-hot columns NAME_0, NAME_1, ... in level order;
  - the class: the 0-based index of its level in CLASSES below;
  - the train/test split: the original one where the data set has one (its rows come first in
    the R data frame, checked by the class counts of the published splits), else (Spambase) a
    fixed stratified 80/20 split: within each class, rows in the order of SHA-256("spambase/<row>"),
    the first round(0.2 * n_class) are the test rows. Rows keep their original order in each table.
"""
import argparse
import hashlib
import os
import sys
import warnings

# name: R package, Debian package, file, R object, class column, class levels in label order,
# split ("rows", n_train): the first n_train rows train; ("hash", test_share): see above.
SETS = {
    "spambase": dict(package="kernlab", file="spam.rda", object="spam", label="type",
                     classes=["nonspam", "spam"], split=("hash", 0.2)),
    "ticdata": dict(package="kernlab", file="ticdata.rda", object="ticdata", label="CARAVAN",
                    classes=["noinsurance", "insurance"], split=("rows", 5822)),
    "satellite": dict(package="mlbench", file="Satellite.rda", object="Satellite", label="classes",
                      classes=["red soil", "cotton crop", "grey soil", "damp grey soil",
                               "vegetation stubble", "very damp grey soil"],
                      split=("rows", 4435)),
    "shuttle": dict(package="mlbench", file="Shuttle.rda", object="Shuttle", label="Class",
                    classes=["Rad.Flow", "Fpv.Close", "Fpv.Open", "High", "Bypass", "Bpv.Close",
                             "Bpv.Open"],
                    split=("rows", 43500)),
    "letter": dict(package="mlbench", file="LetterRecognition.rda", object="LetterRecognition",
                   label="lettr", classes=[chr(ord("A") + i) for i in range(26)],
                   split=("rows", 16000)),
}

# Class counts of the published training parts (UCI Statlog shuttle.trn / sat.trn, CoIL 2000
# TICDATA2000: 348 caravan policies of 5822); a file whose first rows differ is refused.
TRAIN_CLASS_COUNTS = {
    "ticdata": [5474, 348],
    "satellite": [1072, 479, 961, 415, 470, 1038],
    "shuttle": [34108, 37, 132, 6748, 2458, 6, 11],
}


class ConversionError(Exception):
    pass


def sha256_bytes(data):
    return hashlib.sha256(data).hexdigest()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_checksums(path):
    sums = {}
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2 and not line.startswith("#"):
                    sums[parts[1].lstrip("*")] = parts[0].lower()
    except OSError as e:
        raise ConversionError(f"{path}: cannot read the checksum list ({e.strerror})")
    return sums


def number(v):
    v = float(v)
    if v != v or v in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    if v.is_integer() and abs(v) < 2 ** 53:
        return str(int(v))
    return repr(v)


def load_frame(rda, name):
    try:
        import rdata  # python3-rdata
    except ImportError:
        raise ConversionError("the Python module rdata is missing: sudo apt-get install python3-rdata "
                              "(scripts/setup.sh installs it)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Unknown encoding. Assumed ASCII." for these ASCII files
        if hasattr(rdata, "read_rda"):
            objects = rdata.read_rda(rda)
        else:
            objects = rdata.conversion.convert(rdata.parser.parse_file(rda))
    if name not in objects:
        raise ConversionError(f"{rda}: no R object '{name}' (found: {', '.join(objects)})")
    return objects[name]


def convert(set_name, spec, rda):
    """The two tables as text: {"train.csv": str, "test.csv": str}."""
    frame = load_frame(rda, spec["object"])
    label = frame[spec["label"]]
    levels = [str(c) for c in label.cat.categories]
    if levels != spec["classes"]:
        raise ConversionError(f"{rda}: class levels {levels} differ from the expected {spec['classes']}")
    y = [int(c) for c in label.cat.codes]
    if min(y) < 0:
        raise ConversionError(f"{rda}: the class column '{spec['label']}' has missing values")

    header, columns = [], []
    for col in frame.columns:
        if col == spec["label"]:
            continue
        data = frame[col]
        if str(data.dtype) == "category":
            codes = [int(c) for c in data.cat.codes]
            if min(codes) < 0:
                raise ConversionError(f"{rda}: column '{col}' has missing values")
            if data.cat.ordered:
                header.append(col)
                columns.append([str(c) for c in codes])
            else:
                for level in range(len(data.cat.categories)):
                    header.append(f"{col}_{level}")
                    columns.append(["1" if c == level else "0" for c in codes])
        else:
            try:
                columns.append([number(v) for v in data])
            except ValueError:
                raise ConversionError(f"{rda}: column '{col}' has a missing or non-finite value")
            header.append(col)
    for name in header:
        if "," in name or '"' in name:
            raise ConversionError(f"{rda}: column name '{name}' cannot be written to CSV as is")

    n = len(y)
    kind, value = spec["split"]
    if kind == "rows":
        test = set(range(value, n))
        counts = [0] * len(levels)
        for i in range(value):
            counts[y[i]] += 1
        if set_name in TRAIN_CLASS_COUNTS and counts != TRAIN_CLASS_COUNTS[set_name]:
            raise ConversionError(f"{rda}: the first {value} rows have class counts {counts}, not the published "
                                  f"training part's {TRAIN_CLASS_COUNTS[set_name]}")
    else:
        test = set()
        for k in range(len(levels)):
            rows = [i for i in range(n) if y[i] == k]
            rows.sort(key=lambda i: hashlib.sha256(f"{set_name}/{i}".encode()).hexdigest())
            test.update(rows[: int(round(value * len(rows)))])

    tables = {}
    for part, keep in (("train.csv", lambda i: i not in test), ("test.csv", lambda i: i in test)):
        lines = [",".join(header + ["class"])]
        for i in range(n):
            if keep(i):
                lines.append(",".join([c[i] for c in columns] + [str(y[i])]))
        tables[part] = "\n".join(lines) + "\n"
    return tables


def write_atomically(out_dir, tables):
    os.makedirs(out_dir, exist_ok=True)
    temps = {}
    try:
        for part, text in tables.items():
            final = os.path.join(out_dir, part)
            temp = os.path.join(out_dir, f".{part}.part-{os.getpid()}")
            temps[temp] = final
            with open(temp, "w", encoding="ascii", newline="\n") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
        for temp, final in temps.items():
            os.replace(temp, final)
    except OSError as e:
        raise ConversionError(f"{out_dir}: cannot write ({e.strerror}); nothing was written")
    finally:
        for temp in temps:
            if os.path.exists(temp):
                os.remove(temp)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description="Converts a Debian package's .rda data set into pulab CSV tables.")
    parser.add_argument("set", choices=sorted(SETS))
    parser.add_argument("--out", help="data folder: the tables go to OUT/SET/")
    parser.add_argument("--rda", help="the .rda file (default: from the R library of the Debian package)")
    parser.add_argument("--checksums", default=os.path.join(here, "..", "checksums.txt"))
    parser.add_argument("--print-checksums", action="store_true",
                        help="print the SHA-256 of the input and of the tables; write nothing")
    args = parser.parse_args()
    spec = SETS[args.set]
    debian = "r-cran-" + spec["package"]
    library = os.environ.get("PULAB_R_LIBRARY") or "/usr/lib/R/site-library"
    rda = args.rda or os.path.join(library, spec["package"], "data", spec["file"])
    rda_key = f"rda/{debian}/{spec['file']}"
    try:
        if not os.path.isfile(rda):
            raise ConversionError(f"{rda} not found: install the Debian package {debian} (sudo apt-get install "
                                  f"{debian}; scripts/setup.sh installs it)")
        got = sha256_file(rda)
        if args.print_checksums:
            tables = convert(args.set, spec, rda)
            print(f"{got}  {rda_key}")
            for part, text in tables.items():
                print(f"{sha256_bytes(text.encode('ascii'))}  {args.set}/{part}")
            return 0
        if not args.out:
            raise ConversionError("--out DIR is required (or --print-checksums)")
        sums = read_checksums(args.checksums)
        for key in [rda_key] + [f"{args.set}/{p}" for p in ("train.csv", "test.csv")]:
            if key not in sums:
                raise ConversionError(f"{args.checksums}: no entry for {key}")
        if got != sums[rda_key]:
            raise ConversionError(f"{rda}: checksum mismatch (SHA-256 {got}, expected {sums[rda_key]} for {rda_key}): "
                                  f"not the file of the {debian} version this list was made from; nothing was written")
        tables = convert(args.set, spec, rda)
        for part, text in tables.items():
            key = f"{args.set}/{part}"
            out = sha256_bytes(text.encode("ascii"))
            if out != sums[key]:
                raise ConversionError(f"{key}: checksum mismatch of the converted table (SHA-256 {out}, expected "
                                      f"{sums[key]}): the conversion (python3-rdata's version?) gives other bytes; "
                                      f"nothing was written")
        out_dir = os.path.join(args.out, args.set)
        write_atomically(out_dir, tables)
        for part in tables:
            print(f"rda_to_csv: {os.path.join(out_dir, part)}: OK")
        return 0
    except ConversionError as e:
        print(f"rda_to_csv: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
