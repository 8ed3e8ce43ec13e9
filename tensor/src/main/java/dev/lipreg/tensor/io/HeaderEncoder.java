package dev.lipreg.tensor.io;

import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Lays out tensors the way the reference writer (huggingface/safetensors,
 * {@code tensor.rs: prepare}) does, so LipReg files are byte-identical to its
 * output for the same tensors and metadata: tensors sorted by descending dtype
 * alignment, then by name (UTF-8 byte order); compact JSON with
 * {@code __metadata__} first; header padded with spaces to a multiple of 8 so
 * the data buffer starts 8-byte aligned.
 */
final class HeaderEncoder {
    static final String METADATA_KEY = "__metadata__";
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private HeaderEncoder() {
    }

    /** A tensor placed at {@code [begin, end)} of the data buffer. */
    record Placed(String name, Tensor tensor, long begin, long end) {
    }

    /** The 8-byte length prefix plus padded header JSON, and the tensors in buffer order. */
    record Layout(byte[] prefixAndHeader, List<Placed> tensors) {
    }

    static Layout layout(Map<String, Tensor> tensors, Map<String, String> metadata) {
        List<Map.Entry<String, Tensor>> order = new ArrayList<>(tensors.entrySet());
        order.sort(Comparator.<Map.Entry<String, Tensor>>comparingInt(e -> -alignmentRank(e.getValue().dtype()))
                .thenComparing(Map.Entry::getKey, HeaderEncoder::compareUtf8));

        List<Placed> placed = new ArrayList<>(order.size());
        StringBuilder json = new StringBuilder(64 + 96 * order.size()).append('{');
        if (!metadata.isEmpty()) {
            // The reference writer emits a HashMap (arbitrary order); sorting keys keeps output deterministic.
            List<String> keys = new ArrayList<>(metadata.keySet());
            keys.sort(HeaderEncoder::compareUtf8);
            string(json, METADATA_KEY).append(":{");
            for (int i = 0; i < keys.size(); i++) {
                if (i > 0) json.append(',');
                string(json, keys.get(i)).append(':');
                string(json, metadata.get(keys.get(i)));
            }
            json.append('}');
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : order) {
            Tensor t = e.getValue();
            long end = Math.addExact(offset, t.byteSize());
            placed.add(new Placed(e.getKey(), t, offset, end));
            if (json.length() > 1) json.append(',');
            string(json, e.getKey()).append(":{\"dtype\":");
            string(json, t.dtype().safetensorsName()).append(",\"shape\":[");
            int[] dims = t.shape().dims();
            for (int i = 0; i < dims.length; i++) {
                if (i > 0) json.append(',');
                json.append(dims[i]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        json.append('}');

        byte[] header = utf8(json);
        int padded = Math.toIntExact((header.length + 7L) / 8 * 8);
        if (padded > HeaderParser.MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("safetensors header would be " + padded + " bytes, over the "
                    + HeaderParser.MAX_HEADER_BYTES + "-byte limit readers enforce; use shorter names or less metadata");
        }
        ByteBuffer out = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(header);
        while (out.hasRemaining()) out.put((byte) ' ');
        return new Layout(out.array(), List.copyOf(placed));
    }

    /**
     * Position of the dtype in the reference implementation's {@code Dtype} enum,
     * which is declared in increasing alignment order (... I32, U32, F32, C64, F64, I64, U64).
     */
    static int alignmentRank(DType dtype) {
        return switch (dtype) {
            case INT32 -> 0;
            case FLOAT32 -> 1;
            case FLOAT64 -> 2;
            case INT64 -> 3;
        };
    }

    /** Rust's {@code String} order: unsigned lexicographic on UTF-8 bytes (differs from String.compareTo above U+FFFF). */
    static int compareUtf8(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    /** Appends {@code s} as a JSON string escaped exactly as serde_json does. */
    private static StringBuilder string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    else out.append(c);
                }
            }
        }
        return out.append('"');
    }

    /** Strict encoding: an unpaired surrogate in a name would not survive a round trip, so it is an error. */
    private static byte[] utf8(CharSequence s) {
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            return bytes;
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("a tensor name or metadata string is not valid Unicode "
                    + "(unpaired surrogate); it cannot be stored as UTF-8", e);
        }
    }
}
