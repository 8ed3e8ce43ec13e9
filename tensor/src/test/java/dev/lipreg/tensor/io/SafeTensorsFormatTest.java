package dev.lipreg.tensor.io;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Byte-level checks against hand-computed files and the reference implementation's own test vectors. */
class SafeTensorsFormatTest {
    private static final Backend REF = Backends.reference();

    @TempDir
    Path dir;

    @Test
    void tinyFileMatchesHandComputedBytes() throws Exception {
        Path file = dir.resolve("tiny.safetensors");
        try (Scope s = Scope.open()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("b", Bits.i32(REF, new int[] {1, -2}, 2));
            tensors.put("a", Tensor.scalar(REF, DType.FLOAT64, 0.5));
            SafeTensors.write(file, tensors, Map.of("k", "v"));
        }
        // F64 sorts before I32 (higher alignment); 132 JSON bytes + 4 spaces = 136 = 0x88.
        String json = "{\"__metadata__\":{\"k\":\"v\"},"
                + "\"a\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[8,16]}}";
        assertEquals(132, json.length());
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(new byte[] {(byte) 0x88, 0, 0, 0, 0, 0, 0, 0});
        expected.writeBytes(json.getBytes(StandardCharsets.US_ASCII));
        expected.writeBytes("    ".getBytes(StandardCharsets.US_ASCII));
        expected.writeBytes(new byte[] {0, 0, 0, 0, 0, 0, (byte) 0xE0, 0x3F}); // 0.5 little-endian
        expected.writeBytes(new byte[] {1, 0, 0, 0, (byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}); // 1, -2
        byte[] actual = Files.readAllBytes(file);
        assertEquals(160, actual.length);
        assertArrayEquals(expected.toByteArray(), actual);
    }

    /** safetensors tensor.rs test_serialization: a header of exactly 64 bytes needs no padding. */
    @Test
    void matchesReferenceVectorWithoutPadding() throws Exception {
        byte[] expected = bytes(
                64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
                116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
                58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
                101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
                0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64);
        assertArrayEquals(expected, writeRange("attn.0", 1, 2, 3));
    }

    /** safetensors tensor.rs test_serialization_forced_alignement: 65 bytes of JSON padded with 7 spaces. */
    @Test
    void matchesReferenceVectorWithPadding() throws Exception {
        byte[] expected = bytes(
                72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
                121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
                91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
                115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
                32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
                160, 64);
        assertArrayEquals(expected, writeRange("attn0", 1, 1, 2, 3));
    }

    /** safetensors tensor.rs test_empty: no tensors, with and without metadata. */
    @Test
    void matchesReferenceVectorsForEmptyFiles() throws Exception {
        Path file = dir.resolve("empty.safetensors");
        SafeTensors.write(file, Map.of(), null);
        assertArrayEquals(bytes(8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32), Files.readAllBytes(file));
        try (Scope s = Scope.open()) {
            SafeTensorFile read = SafeTensors.read(file, REF);
            assertEquals(Map.of(), read.tensors());
            assertEquals(Map.of(), read.metadata());
        }

        SafeTensors.write(file, Map.of(), Map.of("framework", "pt"));
        assertArrayEquals(bytes(
                40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
                95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
                116, 34, 125, 125, 32, 32, 32, 32, 32), Files.readAllBytes(file));
        assertEquals(Map.of("framework", "pt"), SafeTensors.readHeader(file).metadata());
    }

    @Test
    void controlCharactersAreEscapedAsSerdeJsonDoes() throws Exception {
        Path file = dir.resolve("escape.safetensors");
        SafeTensors.write(file, Map.of(), Map.of("k", "\"\\/\b\f\n\r\t\u0001\u001f\u007fé"));
        String header = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).substring(8).strip();
        assertEquals("{\"__metadata__\":{\"k\":\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\u007fé\"}}", header);
    }

    @Test
    void readsForeignLayoutsTheReferenceAccepts() throws Exception {
        // Entries out of offset order, an unknown field, whitespace, no padding, null metadata.
        String json = " { \"__metadata__\" : null, \"second\": {\"shape\": [1], \"dtype\": \"I32\", \"data_offsets\": [4, 8], \"extra\": 1},"
                + " \"first\": {\"dtype\": \"F32\", \"shape\": [], \"data_offsets\": [0, 4]} } ";
        Path file = dir.resolve("foreign.safetensors");
        Files.write(file, MalformedFiles.file(json, bytes(0, 0, (byte) 0x80, 0x3F, 7, 0, 0, 0)));
        try (Scope s = Scope.open()) {
            SafeTensorFile read = SafeTensors.read(file, REF);
            assertEquals(List.of("first", "second"), List.copyOf(read.tensors().keySet()));
            assertEquals(1.0, read.tensor("first").item());
            assertArrayEquals(new long[] {7}, read.tensor("second").toLongArray());
            assertEquals(Map.of(), read.metadata());
        }
    }

    private byte[] writeRange(String name, int... dims) throws Exception {
        Path file = dir.resolve(name + ".safetensors");
        try (Scope s = Scope.open()) {
            SafeTensors.write(file, Map.of(name, Tensor.of(REF, new float[] {0, 1, 2, 3, 4, 5}, dims)), null);
        }
        return Files.readAllBytes(file);
    }

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) b[i] = (byte) values[i];
        return b;
    }
}
