package dev.lipreg.tensor.io;

import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static dev.lipreg.tensor.io.MalformedFiles.file;
import static dev.lipreg.tensor.io.MalformedFiles.one;
import static dev.lipreg.tensor.io.MalformedFiles.raw;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** Every malformed file is rejected with a message naming the file and the problem, and loads nothing. */
class SafeTensorsMalformedTest {
    private static final byte[] NONE = new byte[0];

    @TempDir
    Path dir;

    static Stream<Arguments> malformed() {
        return Stream.of(
                arguments("empty file", NONE, "0 bytes, shorter than the 8-byte header length"),
                arguments("short file", new byte[5], "5 bytes, shorter than the 8-byte header length"),
                arguments("header past end", raw(100, "{}".getBytes(StandardCharsets.US_ASCII), NONE),
                        "header length 100 runs past the end of the file (10 bytes"),
                arguments("header over 100 MB", raw(100_000_001, NONE, NONE), "header length 100000001 exceeds the limit"),
                arguments("header length over 2^63", raw(-1, NONE, NONE), "header length 18446744073709551615 exceeds the limit"),
                arguments("not UTF-8", raw(4, new byte[] {'{', (byte) 0xC3, 0x28, '}'}, NONE), "not valid UTF-8"),
                arguments("truncated JSON", file("{\"a\":", NONE), "not valid JSON"),
                arguments("trailing garbage", file("{} x", NONE), "not valid JSON"),
                arguments("empty header", file("", NONE), "must be a JSON object, found nothing"),
                arguments("array header", file("[1,2]", NONE), "must be a JSON object, found array"),
                arguments("duplicate names", file("{\"w\":{},\"w\":{}}", NONE), "Duplicate field 'w'"),
                arguments("entry not an object", file("{\"w\":5}", NONE), "entry 'w' must be a tensor object"),
                arguments("missing dtype", file("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]),
                        "tensor 'w' has no \"dtype\" field"),
                arguments("missing shape", file("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4]),
                        "tensor 'w' has no \"shape\" field"),
                arguments("missing data_offsets", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]),
                        "tensor 'w' has no \"data_offsets\" field"),
                arguments("unsupported dtype", file(one("w", "U8", "[4]", "[0,4]"), new byte[4]),
                        "tensor 'w' has dtype U8, which LipReg does not load (supported: F16, BF16, F32, F64, I32, I64)"),
                arguments("unknown dtype", file(one("w", "X9", "[2]", "[0,4]"), new byte[4]), "tensor 'w' has dtype X9"),
                arguments("dtype not a string", file("{\"w\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]),
                        "dtype must be a string"),
                arguments("negative dimension", file(one("w", "F32", "[2,-3]", "[0,4]"), new byte[4]),
                        "tensor 'w': shape holds the negative value -3"),
                arguments("fractional dimension", file(one("w", "F32", "[2.5]", "[0,4]"), new byte[4]),
                        "shape must hold non-negative integers, found 2.5"),
                arguments("shape not a list", file(one("w", "F32", "3", "[0,12]"), new byte[12]),
                        "shape must be a list of non-negative integers"),
                arguments("dimension over int", file(one("w", "F32", "[3000000000]", "[0,4]"), new byte[4]),
                        "dimension 3000000000 in shape [3000000000] exceeds LipReg's limit"),
                arguments("element count overflow", file(one("w", "F32", "[2147483647,2147483647,2147483647]", "[0,4]"), new byte[4]),
                        "is too large (element count overflows)"),
                arguments("offsets not a pair", file(one("w", "F32", "[1]", "[0]"), new byte[4]), "data_offsets must be [begin, end]"),
                arguments("negative offset", file(one("w", "F32", "[1]", "[-4,0]"), new byte[4]),
                        "data_offsets holds the negative value -4"),
                arguments("huge offset", file(one("w", "F32", "[1]", "[0,99999999999999999999]"), new byte[4]), "is too large"),
                arguments("begin after end", file(one("w", "F32", "[0]", "[8,4]"), new byte[8]),
                        "tensor 'w': data_offsets [8, 4] has begin > end"),
                arguments("size mismatch", file(one("w", "F32", "[2]", "[0,12]"), new byte[12]),
                        "tensor 'w': data_offsets [0, 12] span 12 bytes, but F32[2] needs 8"),
                arguments("end beyond buffer", file(one("w", "F64", "[2]", "[0,16]"), new byte[12]),
                        "tensor 'w' ends at byte 16 of the data buffer, but the file holds only 12 data bytes; the file is truncated"),
                arguments("overlap", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]),
                        "tensor 'b' at data_offsets [4, 12] overlaps the previous tensor, which ends at 8"),
                arguments("same range twice", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "overlaps the previous tensor"),
                arguments("gap", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", new byte[12]),
                        "bytes [4, 8) of the data buffer before tensor 'b' belong to no tensor"),
                arguments("gap at start", file(one("w", "F32", "[1]", "[4,8]"), new byte[8]),
                        "bytes [0, 4) of the data buffer before tensor 'w' belong to no tensor"),
                arguments("trailing bytes", file(one("w", "F32", "[2]", "[0,8]"), new byte[12]),
                        "4 bytes after the last tensor (data buffer ends at 8, file holds 12 data bytes) belong to no tensor"),
                arguments("data but no tensors", file("{}", new byte[3]), "3 bytes after the last tensor"),
                arguments("metadata not an object", file("{\"__metadata__\":[1]}", NONE), "__metadata__ must be an object"),
                arguments("metadata value not a string", file("{\"__metadata__\":{\"epoch\":3}}", NONE),
                        "__metadata__ value of 'epoch' must be a string, found 3"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void isRejectedWithAClearMessageAndNothingLoaded(String label, byte[] content, String expected) throws Exception {
        Path file = dir.resolve("bad-" + label.replace(' ', '-') + ".safetensors");
        Files.write(file, content);
        try (Scope s = Scope.open()) {
            long before = s.allocatedBytes();
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                    () -> SafeTensors.read(file, Backends.reference()));
            assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
            assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
            assertEquals(file, e.file());
            assertEquals(before, s.allocatedBytes(), "a rejected file allocates no tensor memory");

            CheckpointFormatException h = assertThrows(CheckpointFormatException.class, () -> SafeTensors.readHeader(file));
            assertEquals(e.getMessage(), h.getMessage(), "readHeader applies the same checks");
        }
    }
}
