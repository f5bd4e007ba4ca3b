#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets (Fuzz/corpus/<target>/, docs/fuzzing.md).

Python 3 standard library only (struct, gzip, json), deterministic: re-running it rewrites the
same bytes (the checkpoints differ only in their random run ids). The checkpoint seeds come from the descent executable given as the first argument
(default .build/debug/descent): `descent train` on the embedded iris data, 2 steps, per optimizer.
"""
import gzip
import json
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fuzz", "corpus")


def write(target, name, data):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def npy(descr, shape, payload, version=1):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (
        descr, "".join("%d, " % d for d in shape) if len(shape) != 1 else "%d," % shape[0])
    prefix = 10 if version == 1 else 12
    header += " " * ((64 - (prefix + len(header) + 1) % 64) % 64) + "\n"
    size = struct.pack("<H", len(header)) if version == 1 else struct.pack("<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + size + header.encode("latin1") + payload


def idx(type_code, dims, payload):
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def safetensors(tensors, metadata=None):
    header, data = {}, b""
    for name, (dtype, shape, payload) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


def main():
    floats = struct.pack("<6f", 0.5, -1.0, 2.25, 0.0, 3.5, -0.125)
    write("npy", "features-f4.npy", npy("<f4", (2, 3), floats))
    write("npy", "features-f8.npy", npy("<f8", (3, 1), struct.pack("<3d", 1.0, -2.5, 1e-3)))
    write("npy", "labels-i8.npy", npy("<i8", (4,), struct.pack("<4q", 0, 1, 2, 1)))
    write("npy", "labels-u1-v2.npy", npy("|u1", (5,), bytes([0, 1, 1, 0, 2]), version=2))
    write("npy", "scalar-i4.npy", npy("<i4", (), struct.pack("<i", 7)))

    images = idx(0x08, [4, 3, 3], bytes(range(36)))
    labels = idx(0x08, [4], bytes([0, 1, 2, 1]))
    write("idx", "images-idx3-ubyte", images)
    write("idx", "labels-idx1-ubyte", labels)
    write("idx", "images-idx3-ubyte.gz", gzip.compress(images, mtime=0))
    write("idx", "float-idx2", idx(0x0D, [2, 2], struct.pack(">4f", 1.5, -2.0, 0.25, 8.0)))
    write("idx", "int-idx1", idx(0x0C, [3], struct.pack(">3i", 1, -7, 65536)))

    write("csv", "points.csv", b"x1,x2,label\n0.5,1,0\n-1.25,2e-3,1\n3,4,2\n")
    write("csv", "quoted.csv", b'"width","height",label\r\n1.0,"2.5",0\r\n3,4,1\r\n')
    write("csv", "label-first.csv", b"label,a,b,c\n1,0.1,0.2,0.3\n0,1,2,3\n")

    record = lambda label: bytes([label]) + bytes((label * 7 + i) % 256 for i in range(3072))
    write("cifar", "data_batch_1.bin", record(3) + record(9))

    write("safetensors", "weights.safetensors", safetensors({
        "0.weight": ("F32", [2, 3], floats),
        "0.bias": ("F32", [2], struct.pack("<2f", 0.1, -0.2)),
        "steps": ("I64", [1], struct.pack("<q", 12)),
    }, {"format": "pt"}))
    write("safetensors", "half.safetensors", safetensors({"h": ("F16", [2], b"\x00\x3c\x00\xc0")}))

    write("toml", "run.toml", b'model = "mlp:16"\ndata = "iris"\noptimizer = "adamw"\nlr = 3e-3\n'
          b'schedule = "cosine"\nwarmup = 5\nsteps = 20\nstandardize = true\n[set]\nweightDecay = 0.05\n')
    write("toml", "sgd.toml", b'optimizer = "sgd"\nbatch-size = 8\nepochs = 2\nseed = 3\n'
          b'test-fraction = 0.25\n[set]\nmomentum = 0.9\nnesterov = true\n')

    descent = sys.argv[1] if len(sys.argv) > 1 else ".build/debug/descent"
    with tempfile.TemporaryDirectory() as folder:
        for optimizer, settings in [("adam", []), ("sgd", ["--set", "momentum=0.9"]), ("diffgrad", [])]:
            path = os.path.join(folder, optimizer + ".safetensors")
            subprocess.run(
                [descent, "train", "--model", "mlp:4", "--data", "iris", "--optimizer", optimizer,
                 "--steps", "2", "--no-store", "--checkpoint", path, "--format", "json"] + settings,
                check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            with open(path, "rb") as f:
                write("checkpoint", optimizer + ".safetensors", f.read())


if __name__ == "__main__":
    main()
