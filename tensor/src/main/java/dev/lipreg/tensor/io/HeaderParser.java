package dev.lipreg.tensor.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.lipreg.tensor.Shape;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads and validates the header of a safetensors file without touching the
 * data buffer. The rules follow the reference reader (huggingface/safetensors
 * {@code SafeTensors::read_metadata} and {@code Metadata::validate}), plus the
 * limits of LipReg's tensors (the dtypes of {@link FileDType}, dimensions that fit an int).
 */
final class HeaderParser {
    /** The reference implementation's MAX_HEADER_SIZE. */
    static final int MAX_HEADER_BYTES = 100_000_000;
    private static final String ENTRY_FORM = "{\"dtype\": ..., \"shape\": [...], \"data_offsets\": [begin, end]}";

    // Immutable once built, so sharing it is safe. Duplicate keys would make the header ambiguous;
    // Jackson's default name/string limits (50k / 20M chars) are raised to the header limit.
    private static final ObjectReader JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNameLength(MAX_HEADER_BYTES)
                            .maxStringLength(MAX_HEADER_BYTES)
                            .build())
                    .build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build()
            .reader();

    private final Path file;

    private HeaderParser(Path file) {
        this.file = file;
    }

    /** Reads the header of {@code file} through {@code channel} and checks it against the file size. */
    static SafeTensorHeader parse(Path file, FileChannel channel) throws IOException {
        return new HeaderParser(file).parse(channel);
    }

    private SafeTensorHeader parse(FileChannel channel) throws IOException {
        long fileSize = channel.size();
        if (fileSize < 8) {
            throw fail("file is " + fileSize + " bytes, shorter than the 8-byte header length that starts every safetensors file");
        }
        ByteBuffer prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, prefix, 0);
        long n = prefix.getLong(0);
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw fail("header length " + Long.toUnsignedString(n) + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
        }
        if (n > fileSize - 8) {
            throw fail("header length " + n + " runs past the end of the file (" + fileSize + " bytes, so at most "
                    + (fileSize - 8) + "); the file is truncated or not safetensors");
        }
        ByteBuffer header = ByteBuffer.allocate((int) n);
        readFully(channel, header, 8);
        String text = decode(header.flip());

        JsonNode root = parseJson(text);
        if (!root.isObject()) {
            throw fail("header must be a JSON object, found " + (root.isMissingNode() ? "nothing" : root.getNodeType().toString().toLowerCase(Locale.ROOT)));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorInfo> tensors = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(HeaderEncoder.METADATA_KEY)) {
                metadata = metadata(field.getValue());
            } else {
                tensors.add(tensor(field.getKey(), field.getValue()));
            }
        }
        // Like the reference reader, accept any entry order and validate in offset order (a stable sort).
        tensors.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long dataStart = 8 + n;
        checkLayout(tensors, fileSize - dataStart);
        return new SafeTensorHeader(metadata, tensors, dataStart);
    }

    /** Tensors must tile the buffer exactly: no gap, no overlap, no trailing bytes, nothing past the end. */
    private void checkLayout(List<TensorInfo> tensors, long available) {
        long expected = 0;
        for (TensorInfo t : tensors) {
            if (t.begin() > expected) {
                throw fail("bytes [" + expected + ", " + t.begin() + ") of the data buffer before tensor '" + t.name()
                        + "' belong to no tensor (expected data_offsets to start at " + expected + ")");
            }
            if (t.begin() < expected) {
                throw fail("tensor '" + t.name() + "' at data_offsets [" + t.begin() + ", " + t.end()
                        + "] overlaps the previous tensor, which ends at " + expected);
            }
            if (t.end() > available) {
                throw fail("tensor '" + t.name() + "' ends at byte " + t.end() + " of the data buffer, but the file holds only "
                        + available + " data bytes; the file is truncated");
            }
            expected = t.end();
        }
        if (expected != available) {
            throw fail((available - expected) + " bytes after the last tensor (data buffer ends at " + expected
                    + ", file holds " + available + " data bytes) belong to no tensor");
        }
    }

    private TensorInfo tensor(String name, JsonNode node) {
        if (!node.isObject()) {
            throw fail("entry '" + name + "' must be a tensor object " + ENTRY_FORM + ", found " + node);
        }
        FileDType dtype = dtype(name, field(name, node, "dtype"));
        int[] dims = dims(name, field(name, node, "shape"));
        JsonNode offsets = field(name, node, "data_offsets");
        if (!offsets.isArray() || offsets.size() != 2) {
            throw fail("tensor '" + name + "': data_offsets must be [begin, end], found " + offsets);
        }
        long begin = nonNegativeLong(name, "data_offsets", offsets.get(0));
        long end = nonNegativeLong(name, "data_offsets", offsets.get(1));
        if (begin > end) {
            throw fail("tensor '" + name + "': data_offsets [" + begin + ", " + end + "] has begin > end");
        }
        long bytes;
        try {
            long count = 1;
            for (int d : dims) count = Math.multiplyExact(count, d);
            bytes = Math.multiplyExact(count, dtype.byteSize());
        } catch (ArithmeticException e) {
            throw fail("tensor '" + name + "': shape " + Arrays.toString(dims) + " is too large (element count overflows)");
        }
        if (end - begin != bytes) {
            throw fail("tensor '" + name + "': data_offsets [" + begin + ", " + end + "] span " + (end - begin)
                    + " bytes, but " + dtype.name() + Arrays.toString(dims) + " needs " + bytes);
        }
        return new TensorInfo(name, dtype.loadsAs(), Shape.of(dims), begin, end, dtype.name());
    }

    private JsonNode field(String name, JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null) throw fail("tensor '" + name + "' has no \"" + key + "\" field; expected " + ENTRY_FORM);
        return v;
    }

    private FileDType dtype(String name, JsonNode node) {
        if (!node.isTextual()) throw fail("tensor '" + name + "': dtype must be a string, found " + node);
        FileDType d = FileDType.of(node.textValue());
        if (d != null) return d;
        throw fail("tensor '" + name + "' has dtype " + node.textValue() + ", which LipReg does not load (supported: "
                + FileDType.NAMES + ")");
    }

    private int[] dims(String name, JsonNode node) {
        if (!node.isArray()) throw fail("tensor '" + name + "': shape must be a list of non-negative integers, found " + node);
        int[] dims = new int[node.size()];
        for (int i = 0; i < dims.length; i++) {
            long d = nonNegativeLong(name, "shape", node.get(i));
            if (d > Integer.MAX_VALUE) {
                throw fail("tensor '" + name + "': dimension " + d + " in shape " + node + " exceeds LipReg's limit of "
                        + Integer.MAX_VALUE);
            }
            dims[i] = (int) d;
        }
        return dims;
    }

    private long nonNegativeLong(String name, String key, JsonNode v) {
        if (!v.isIntegralNumber()) {
            throw fail("tensor '" + name + "': " + key + " must hold non-negative integers, found " + v);
        }
        if (!v.canConvertToLong()) throw fail("tensor '" + name + "': " + key + " value " + v + " is too large");
        long x = v.longValue();
        if (x < 0) {
            throw fail("tensor '" + name + "': " + key + " holds the negative value " + x + "; expected non-negative integers");
        }
        return x;
    }

    private Map<String, String> metadata(JsonNode node) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node.isNull()) return out; // the reference reader treats null as absent
        if (!node.isObject()) throw fail("__metadata__ must be an object of string values, found " + node);
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw fail("__metadata__ value of '" + e.getKey() + "' must be a string, found " + e.getValue());
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    private JsonNode parseJson(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw fail("header is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at header character " + e.getLocation().getCharOffset()));
        }
    }

    private String decode(ByteBuffer bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes)
                    .toString();
        } catch (CharacterCodingException e) {
            throw fail("header is not valid UTF-8 (" + e.getMessage() + ")");
        }
    }

    private void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            int n = channel.read(into, position);
            if (n < 0) throw fail("file ended while reading its header; it is truncated or changed while being read");
            position += n;
        }
    }

    private CheckpointFormatException fail(String problem) {
        return new CheckpointFormatException(file, problem);
    }
}
