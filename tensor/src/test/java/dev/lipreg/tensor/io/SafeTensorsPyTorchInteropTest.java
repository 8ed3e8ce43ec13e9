package dev.lipreg.tensor.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Files written by LipReg load in PyTorch and vice versa. The Python side parses
 * the format by hand (json + struct + torch.frombuffer), since the safetensors
 * package is not assumed to be installed. Skipped when no Python has torch.
 */
class SafeTensorsPyTorchInteropTest {
    private static final Backend REF = Backends.reference();
    private static final List<String> PYTHONS = List.of("/usr/bin/python3", "python3");

    // argv: java_file expected_json torch_file
    private static final String SCRIPT = """
            import json, struct, sys
            import torch

            DT = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32, "I64": torch.int64}
            BITS = {"F32": torch.int32, "F64": torch.int64, "I32": torch.int32, "I64": torch.int64}
            CODE = {v: k for k, v in DT.items()}
            RANK = {"I32": 0, "F32": 1, "F64": 2, "I64": 3}  # reference writer: descending alignment, then name

            def load(path):
                data = open(path, "rb").read()
                (n,) = struct.unpack("<Q", data[:8])
                assert n % 8 == 0, "header length %d not padded to 8" % n
                header = json.loads(data[8:8 + n].decode("utf-8"))
                meta = header.pop("__metadata__", {})
                buf, end, out = data[8 + n:], 0, {}
                for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
                    b, e = info["data_offsets"]
                    assert b == end, (name, b, end)
                    end = e
                    dtype = DT[info["dtype"]]
                    if b == e:
                        t = torch.empty(info["shape"], dtype=dtype)
                    else:
                        t = torch.frombuffer(bytearray(buf[b:e]), dtype=dtype).reshape(info["shape"])
                    out[name] = (info["dtype"], t)
                assert end == len(buf), (end, len(buf))
                return out, meta, data

            def dump(tensors, meta):
                items = sorted(tensors.items(), key=lambda kv: (-RANK[CODE[kv[1].dtype]], kv[0].encode("utf-8")))
                header, blobs, off = {}, [], 0
                if meta:
                    header["__metadata__"] = dict(sorted(meta.items(), key=lambda kv: kv[0].encode("utf-8")))
                for name, t in items:
                    raw = bytes(t.reshape(-1).view(torch.uint8).tolist())
                    header[name] = {"dtype": CODE[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
                    blobs.append(raw)
                    off += len(raw)
                text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
                text += b" " * (-len(text) % 8)
                return struct.pack("<Q", len(text)) + text + b"".join(blobs)

            java_file, expected_file, torch_file = sys.argv[1:4]
            expected = json.load(open(expected_file))
            tensors, meta, raw = load(java_file)
            assert meta == expected.pop("__metadata__"), meta
            assert sorted(tensors) == sorted(expected), (sorted(tensors), sorted(expected))
            for name, want in expected.items():
                code, t = tensors[name]
                assert code == want["dtype"] and t.dtype == DT[code], (name, code)
                assert list(t.shape) == want["shape"], (name, list(t.shape))
                got = t.reshape(-1).view(BITS[code]).tolist()
                assert got == want["bits"], (name, got, want["bits"])
            f32 = tensors["f32"][1]
            assert torch.isnan(f32[1]).all() and f32[0, 1].item() == float("-inf") and f32[0, 0].item() == 1.0
            assert dump({k: t for k, (c, t) in tensors.items()}, meta) == raw, "Java bytes differ from a reference-style writer"

            mine = {
                "weight": torch.arange(6, dtype=torch.float32).reshape(2, 3) / 3,
                "bias": torch.tensor([0.1, -2.5, 1e-310], dtype=torch.float64),
                "labels": torch.tensor([0, 9, -1, 2**62, -2**63], dtype=torch.int64),
                "idx": torch.tensor([[1, -2], [2**31 - 1, -2**31]], dtype=torch.int32),
                "nan": torch.tensor([0x7fc00001, -8388608, 1], dtype=torch.int32).view(torch.float32),
                "scalar": torch.tensor(2.5, dtype=torch.float64),
                "empty": torch.zeros(0, 4),
            }
            open(torch_file, "wb").write(dump(mine, {"framework": "pt", "torch": torch.__version__}))
            print("ok")
            """;

    @TempDir
    Path dir;

    @Test
    void pyTorchReadsLipRegFilesAndLipRegReadsPyTorchFiles() throws Exception {
        Optional<String> python = pythonWithTorch();
        Assumptions.assumeTrue(python.isPresent(), "no Python with PyTorch found (tried " + PYTHONS + ")");

        Path javaFile = dir.resolve("from-java.safetensors");
        Path expectedFile = dir.resolve("expected.json");
        Path torchFile = dir.resolve("from-torch.safetensors");
        Path script = Files.writeString(dir.resolve("interop.py"), SCRIPT);
        ObjectMapper json = new ObjectMapper();
        ObjectNode expected = json.createObjectNode();
        Map<String, String> metadata = Map.of("format", "pt", "note", "ü ≠ ∞");
        try (Scope s = Scope.open()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("f32", Bits.f32(REF, new int[] {0x3f800000, 0xff800000, 0x80000000, 0x00000001,
                    0x7fc00001, 0xffc12345, 0x7fc00000, 0x7f800001}, 2, 4));
            tensors.put("f64", Bits.f64(REF, new long[] {Double.doubleToRawLongBits(Math.E), 0x8000000000000000L,
                    0x7ff8000000000abcL}, 3));
            tensors.put("i32", Bits.i32(REF, new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE}, 2, 2));
            tensors.put("i64", Bits.i64(REF, new long[] {Long.MIN_VALUE}));
            tensors.put("empty", Bits.f32(REF, new int[0], 0, 2));
            SafeTensors.write(javaFile, tensors, metadata);
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor t = e.getValue();
                ObjectNode n = expected.putObject(e.getKey());
                n.put("dtype", t.dtype().safetensorsName());
                var shape = n.putArray("shape");
                for (int d : t.shape().dims()) shape.add(d);
                var bits = n.putArray("bits");
                if (t.dtype().byteSize() == 4) for (int b : Bits.intBits(t)) bits.add(b);
                else for (long b : Bits.longBits(t)) bits.add(b);
            }
        }
        expected.set("__metadata__", json.valueToTree(metadata));
        json.writeValue(expectedFile.toFile(), expected);

        Path log = dir.resolve("python.log");
        Process p = new ProcessBuilder(python.get(), script.toString(), javaFile.toString(), expectedFile.toString(),
                torchFile.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("Python interop script timed out:\n" + Files.readString(log));
        }
        assertEquals(0, p.exitValue(), "Python interop script failed:\n" + Files.readString(log));

        try (Scope s = Scope.open()) {
            SafeTensorFile read = SafeTensors.read(torchFile, REF);
            assertEquals(List.of("labels", "bias", "scalar", "empty", "nan", "weight", "idx"),
                    List.copyOf(read.tensors().keySet()), "file order: I64, F64, F32, I32, then name");
            int[] weight = new int[6];
            for (int i = 0; i < 6; i++) weight[i] = Float.floatToRawIntBits((float) i / 3f);
            check(read, "weight", DType.FLOAT32, Shape.of(2, 3));
            assertArrayEquals(weight, Bits.intBits(read.tensor("weight")));
            check(read, "bias", DType.FLOAT64, Shape.of(3));
            assertArrayEquals(new long[] {Double.doubleToRawLongBits(0.1), Double.doubleToRawLongBits(-2.5),
                    Double.doubleToRawLongBits(1e-310)}, Bits.longBits(read.tensor("bias")));
            check(read, "labels", DType.INT64, Shape.of(5));
            assertArrayEquals(new long[] {0, 9, -1, 1L << 62, Long.MIN_VALUE}, read.tensor("labels").toLongArray());
            check(read, "idx", DType.INT32, Shape.of(2, 2));
            assertArrayEquals(new int[] {1, -2, Integer.MAX_VALUE, Integer.MIN_VALUE}, Bits.intBits(read.tensor("idx")));
            check(read, "nan", DType.FLOAT32, Shape.of(3));
            assertArrayEquals(new int[] {0x7fc00001, 0xff800000, 1}, Bits.intBits(read.tensor("nan")));
            check(read, "scalar", DType.FLOAT64, Shape.scalar());
            assertEquals(2.5, read.tensor("scalar").item());
            check(read, "empty", DType.FLOAT32, Shape.of(0, 4));
            assertEquals("pt", read.metadata().get("framework"));
            assertTrue(read.metadata().containsKey("torch"), read.metadata().toString());

            // Same tensors and metadata written by LipReg give PyTorch's bytes exactly.
            Path again = dir.resolve("rewritten.safetensors");
            SafeTensors.write(again, read.tensors(), read.metadata());
            assertArrayEquals(Files.readAllBytes(torchFile), Files.readAllBytes(again));
        }
    }

    private static void check(SafeTensorFile file, String name, DType dtype, Shape shape) {
        Tensor t = file.tensor(name);
        assertEquals(dtype, t.dtype(), name);
        assertEquals(shape, t.shape(), name);
    }

    /** The first interpreter that can import torch: Debian's system Python before whatever is on PATH. */
    private static Optional<String> pythonWithTorch() {
        for (String python : PYTHONS) {
            try {
                Process p = new ProcessBuilder(python, "-c", "import torch")
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                } else if (p.exitValue() == 0) {
                    return Optional.of(python);
                }
            } catch (IOException e) {
                // not installed; try the next one
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
