"""Regenerate the compact service models the declared tables are read against.

For every service a table file names (tables/declared/<service>/*.toml), this reads
botocore's model of it (service-2.json.gz and paginators-1.json, from the botocore that
python3 imports) and writes tables/models/<service>.json: the protocol metadata, the
operations the table files call, the shapes those reach, their paginators, and the first
sentence of each member's documentation (for column descriptions). Everything else in
the model (docs, errors, enums, examples, other operations) is left out.

Usage: python3 tables/models/update.py
"""
import gzip
import html
import json
import pathlib
import re
import tomllib

import botocore

HERE = pathlib.Path(__file__).resolve().parent
DECLARED = HERE.parent / "declared"
DATA = pathlib.Path(botocore.__file__).parent / "data"
METADATA = ["apiVersion", "endpointPrefix", "globalEndpoint", "jsonVersion", "protocol", "protocols",
            "serviceId", "signingName", "targetPrefix"]
# The protocols cove speaks, in the order it prefers them when a model offers several.
PROTOCOLS = ["json", "query", "rest-json", "rest-xml", "ec2"]
REF_KEYS = ["shape", "location", "locationName", "flattened", "jsonvalue", "queryName", "xmlNamespace",
            "resultWrapper", "timestampFormat"]
SHAPE_KEYS = ["type", "flattened", "locationName", "timestampFormat", "payload", "min", "max"]


def first_sentence(doc):
    text = html.unescape(re.sub(r"<[^>]+>", " ", doc or ""))
    text = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    return sentence if len(sentence) <= 200 else sentence[:197].rstrip() + "..."


def operations_named(table):
    yield table["list"]
    if "parent" in table:
        yield table["parent"]["list"]
    for hydrate in table.get("hydrate", []):
        yield hydrate["operation"]


def compact_ref(ref):
    return {k: ref[k] for k in REF_KEYS if k in ref}


def compact(model, operations):
    shapes, out_shapes = model["shapes"], {}

    def reach(name):
        if name in out_shapes:
            return
        shape = shapes[name]
        out = {k: shape[k] for k in SHAPE_KEYS if k in shape}
        out_shapes[name] = out
        if "members" in shape:
            out["members"] = []
            for member, ref in shape["members"].items():
                entry = {"name": member, **compact_ref(ref)}
                doc = first_sentence(ref.get("documentation"))
                if doc:
                    entry["doc"] = doc
                out["members"].append(entry)
                reach(ref["shape"])
        for part in ("member", "key", "value"):
            if part in shape:
                out[part] = compact_ref(shape[part])
                reach(shape[part]["shape"])

    ops = {}
    for name in sorted(operations):
        op = model["operations"][name]
        ops[name] = {"http": {k: op["http"][k] for k in ("method", "requestUri") if k in op["http"]}}
        if "hostPrefix" in op.get("endpoint", {}):
            ops[name]["hostPrefix"] = op["endpoint"]["hostPrefix"]
        for part in ("input", "output"):
            if part in op:
                ops[name][part] = compact_ref(op[part])
                reach(op[part]["shape"])
    return ops, dict(sorted(out_shapes.items()))


def main():
    wanted = {}
    for path in sorted(DECLARED.glob("*/*.toml")):
        table = tomllib.loads(path.read_text())
        wanted.setdefault(table["service"], set()).update(operations_named(table))
    for service, operations in sorted(wanted.items()):
        folder = sorted((DATA / service).iterdir())[-1]
        model = json.load(gzip.open(folder / "service-2.json.gz"))
        paginators = json.loads((folder / "paginators-1.json").read_text())["pagination"]
        metadata = {k: model["metadata"][k] for k in METADATA if k in model["metadata"]}
        offered = metadata.pop("protocols", [metadata["protocol"]])
        metadata["protocol"] = next(p for p in PROTOCOLS if p in offered)
        ops, shapes = compact(model, operations)
        out = {
            "botocore": botocore.__version__,
            "metadata": metadata,
            "operations": ops,
            "paginators": {name: paginators[name] for name in sorted(operations) if name in paginators},
            "shapes": shapes,
        }
        (HERE / f"{service}.json").write_text(json.dumps(out, indent=1) + "\n")
        print(f"{service}: {len(ops)} operations, {len(shapes)} shapes")


if __name__ == "__main__":
    main()
