package dev.lipreg.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.UnknownFieldSet;
import dev.lipreg.onnx.gen.OnnxProto.AttributeProto;
import dev.lipreg.onnx.gen.OnnxProto.GraphProto;
import dev.lipreg.onnx.gen.OnnxProto.ModelProto;
import dev.lipreg.onnx.gen.OnnxProto.NodeProto;
import dev.lipreg.onnx.gen.OnnxProto.OperatorSetIdProto;
import dev.lipreg.onnx.gen.OnnxProto.TensorProto;
import dev.lipreg.onnx.gen.OnnxProto.TensorShapeProto;
import dev.lipreg.onnx.gen.OnnxProto.TypeProto;
import dev.lipreg.onnx.gen.OnnxProto.ValueInfoProto;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * Generates the malformed-input corpus of issue 21 (see docs/hardening.md): seeded, so the same
 * files every time. Each case is one file plus a manifest row saying what the public API and the
 * CLI must do with it:
 * <pre>file \t kind \t partner \t api outcome \t cli outcome</pre>
 * where kind is idx-images, idx-labels, cifar10, cifar100, safetensors, spec or onnx; partner is the
 * item count of the matching valid IDX file the runner writes beside it (IDX cases only); and an
 * outcome is {@code ok}, {@code error:FRAGMENT} (a documented exception / exit 2 with one line
 * containing FRAGMENT) or {@code any} (either, for random damage: never a crash, an
 * OutOfMemoryError or a hang).
 *
 * <p>IDX cases are the training split of a tiny 8x8, 10-class dataset; CIFAR cases one batch file;
 * safetensors cases weights of the tiny CNN of {@link TinyData#cnnSpec}; spec cases model specs
 * for 1x8x8 images in 10 classes; ONNX cases two valid models for such images (a small CNN with raw
 * weight bytes, an MLP with typed float data and a final LogSoftmax), built here with the ONNX
 * protobuf classes, then damaged in one documented way or by random byte flips.
 *
 * <p>Run {@code make corpus} (this class's main) to regenerate {@code cli/src/test/resources/corpus}.
 */
final class MalformedCorpus {
    static final String MANIFEST = "manifest.tsv";
    private final Path root;
    private final Random random = new Random(20261207);
    private final List<String> rows = new ArrayList<>();
    private int next;

    private MalformedCorpus(Path root) {
        this.root = root;
    }

    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : "cli/src/test/resources/corpus");
        System.out.println(generate(root) + " cases in " + root);
    }

    /** Writes the corpus under {@code root} (emptied first); returns the number of cases. */
    static int generate(Path root) throws IOException {
        if (Files.exists(root)) {
            try (var walk = Files.walk(root)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
        MalformedCorpus c = new MalformedCorpus(root);
        c.idx();
        c.cifar();
        c.safetensors();
        c.specs();
        c.onnx();
        Files.writeString(root.resolve(MANIFEST), String.join("\n", c.rows) + "\n");
        return c.rows.size();
    }

    private void add(String kind, String ext, byte[] content, int partner, String api, String cli) {
        String name = String.format(Locale.ROOT, "%s/%04d.%s", kind, next++, ext);
        try {
            Files.createDirectories(root.resolve(kind));
            Files.write(root.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        rows.add(name + "\t" + kind + "\t" + partner + "\t" + api + "\t" + cli);
    }

    private void add(String kind, String ext, byte[] content, int partner, String outcome) {
        add(kind, ext, content, partner, outcome, outcome);
    }

    // ------------------------------------------------------------------ IDX

    static byte[] idxImages(int count, int rows, int cols, byte[] pixels) {
        return ByteBuffer.allocate(16 + pixels.length).putInt(0x803).putInt(count).putInt(rows).putInt(cols).put(pixels).array();
    }

    static byte[] idxLabels(byte[] labels) {
        return ByteBuffer.allocate(8 + labels.length).putInt(0x801).putInt(labels.length).put(labels).array();
    }

    private byte[] pixels(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private byte[] labels(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) random.nextInt(10);
        return b;
    }

    private void idx() {
        for (boolean gz : new boolean[]{false, true}) {
            String ext = gz ? "idx.gz" : "idx";
            for (int k = 0; k < 100; k++) {
                int count = 1 + random.nextInt(12);
                byte[] img = idxImages(count, 8, 8, pixels(count * 64));
                byte[] lab = idxLabels(labels(count));
                switch (k % 10) {
                    case 0 -> {
                        add("idx-images", ext, z(img, gz), count, "ok");
                        add("idx-labels", ext, z(lab, gz), count, "ok");
                    }
                    case 1 -> { // cut anywhere
                        int cut = random.nextInt(img.length);
                        add("idx-images", ext, z(Arrays.copyOf(img, cut), gz), count, "error:truncated");
                        int lcut = random.nextInt(lab.length);
                        add("idx-labels", ext, z(Arrays.copyOf(lab, lcut), gz), count, "error:truncated");
                    }
                    case 2 -> { // trailing bytes inside the content
                        int extra = 1 + random.nextInt(40);
                        add("idx-images", ext, z(Arrays.copyOf(img, img.length + extra), gz), count, "error:" + extra + " trailing bytes after the pixel data");
                        add("idx-labels", ext, z(Arrays.copyOf(lab, lab.length + extra), gz), count, "error:" + extra + " trailing bytes after the label data");
                    }
                    case 3 -> { // bad magic
                        byte[] b = img.clone();
                        ByteBuffer.wrap(b).putInt(0, 0x800 | (random.nextInt(4) == 0 ? 0x01 : 0x0D00) | random.nextInt(0x100) << 16 | 0x100);
                        add("idx-images", ext, z(b, gz), count, "error:bad magic");
                        byte[] l = lab.clone();
                        ByteBuffer.wrap(l).putInt(0, 0x803);
                        add("idx-labels", ext, z(l, gz), count, "error:bad magic");
                    }
                    case 4 -> { // a zero or "negative" dimension
                        byte[] b = img.clone();
                        int field = 4 + 4 * random.nextInt(3);
                        boolean zero = random.nextBoolean();
                        ByteBuffer.wrap(b).putInt(field, zero ? 0 : 0x80000000 | random.nextInt());
                        add("idx-images", ext, z(b, gz), count, zero ? "error:is 0, expected >= 1" : "error:expected below 2^31");
                        byte[] l = lab.clone();
                        ByteBuffer.wrap(l).putInt(4, 0);
                        add("idx-labels", ext, z(l, gz), count, "error:label count is 0, expected >= 1");
                    }
                    case 5 -> { // huge declared sizes: over the array limit, never allocated
                        byte[] b = Arrays.copyOf(idxImages(100_000 + random.nextInt(1 << 20), 1000, 1000, new byte[0]), 16);
                        add("idx-images", ext, z(b, gz), count, "error:more than a Java array can hold");
                        byte[] l = Arrays.copyOf(lab, 8);
                        ByteBuffer.wrap(l).putInt(4, count + 1 + random.nextInt(1000));
                        add("idx-labels", ext, z(l, gz), count, "error:truncated label data");
                    }
                    case 6 -> { // labels out of range; wrong image size for the test split
                        byte[] l = lab.clone();
                        l[8 + random.nextInt(count)] = (byte) (10 + random.nextInt(246));
                        add("idx-labels", ext, z(l, gz), count, "error:out of range, expected 0..9");
                        int side = 2 + random.nextInt(6);
                        add("idx-images", ext, z(idxImages(count, side, side, pixels(count * side * side)), gz), count, "ok",
                                "error:the test images are 1x8x8 in 10 classes but the training images are 1x" + side + "x" + side);
                    }
                    case 7 -> { // count differing from the partner
                        add("idx-images", ext, z(img, gz), count + 1, "ok", "error:label count " + (count + 1) + ", expected " + count);
                        byte[] flipped = img.clone();
                        for (int f = 0; f < 4; f++) flipped[random.nextInt(16)] ^= (byte) (1 << random.nextInt(8));
                        add("idx-images", ext, z(flipped, gz), count, "any");
                    }
                    case 8 -> { // damage to the gzip container, or raw bytes of random length
                        if (gz) {
                            byte[] c = z(lab, true);
                            int extra = 1 + random.nextInt(20);
                            byte[] t = Arrays.copyOf(c, c.length + extra);
                            t[c.length] = (byte) random.nextInt(0x1f); // not the gzip magic
                            add("idx-labels", ext, t, count, "error:" + extra + " trailing bytes after the gzip stream");
                            byte[] d = c.clone();
                            d[10 + random.nextInt(d.length - 18)] ^= (byte) (1 + random.nextInt(255));
                            add("idx-labels", ext, d, count, "any"); // a CRC error, or damage seen first in the header
                        } else {
                            add("idx-images", ext, pixels(random.nextInt(64)), count, "any");
                            add("idx-labels", ext, pixels(random.nextInt(64)), count, "any");
                        }
                    }
                    default -> { // random byte flips anywhere
                        byte[] b = z(img, gz);
                        for (int f = 0; f < 1 + random.nextInt(3); f++) b[random.nextInt(b.length)] ^= (byte) (1 + random.nextInt(255));
                        add("idx-images", ext, b, count, "any");
                        byte[] l = z(lab, gz);
                        l[random.nextInt(l.length)] ^= (byte) (1 + random.nextInt(255));
                        add("idx-labels", ext, l, count, "any");
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ CIFAR

    private byte[] cifarRecords(int records, int labelBytes, int... limits) {
        int rec = labelBytes + 3072;
        byte[] b = new byte[records * rec];
        random.nextBytes(b);
        for (int r = 0; r < records; r++) for (int k = 0; k < labelBytes; k++) b[r * rec + k] = (byte) random.nextInt(limits[k]);
        return b;
    }

    private void cifar() {
        for (int k = 0; k < 160; k++) {
            boolean c100 = k % 2 == 1;
            String kind = c100 ? "cifar100" : "cifar10";
            int labelBytes = c100 ? 2 : 1;
            int rec = labelBytes + 3072;
            int records = 1 + random.nextInt(2);
            byte[] b = c100 ? cifarRecords(records, 2, 20, 100) : cifarRecords(records, 1, 10);
            switch ((k / 2) % 8) {
                case 0 -> add(kind, "bin", b, 0, "ok");
                case 1 -> add(kind, "bin", z(b, true), 0, "ok");
                case 2 -> {
                    int len = 1 + random.nextInt(b.length - 1);
                    if (len % rec == 0) len--;
                    add(kind, "bin", Arrays.copyOf(b, len), 0, "error:is not a multiple of the " + rec + "-byte");
                }
                case 3 -> add(kind, "bin", new byte[0], 0, "error:empty file");
                case 4 -> {
                    int r = random.nextInt(records), which = random.nextInt(labelBytes);
                    int limit = c100 ? (which == 0 ? 20 : 100) : 10;
                    b[r * rec + which] = (byte) (limit + random.nextInt(256 - limit));
                    add(kind, "bin", b, 0, "error:out of range, expected 0.." + (limit - 1));
                }
                case 5 -> {
                    byte[] c = z(b, true);
                    byte[] t = Arrays.copyOf(c, c.length + 1 + random.nextInt(9));
                    add(kind, "bin", t, 0, "error:trailing bytes after the gzip stream");
                }
                case 6 -> {
                    byte[] c = z(b, true);
                    add(kind, "bin", Arrays.copyOf(c, 10 + random.nextInt(c.length - 10)), 0, "error:corrupt gzip stream");
                }
                default -> {
                    for (int f = 0; f < 4; f++) b[random.nextInt(b.length)] ^= (byte) (1 + random.nextInt(255));
                    add(kind, "bin", b, 0, "any");
                }
            }
        }
    }

    // ------------------------------------------------------------------ safetensors

    /** Tiny-CNN tensors: name, shape. */
    private static final String[][] TINY = {{"0.weight", "4,1,3,3"}, {"0.bias", "4"}, {"4.weight", "10,64"}, {"4.bias", "10"}};

    private static int elements(String shape) {
        return Arrays.stream(shape.split(",")).mapToInt(Integer::parseInt).reduce(1, (a, b) -> a * b);
    }

    /** A valid safetensors file of the tiny CNN's weights (offsets in order), or its header with edits. */
    private byte[] tinyWeights(String headerOverride, float poison) {
        StringBuilder h = new StringBuilder("{");
        long off = 0;
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (String[] t : TINY) {
            int n = elements(t[1]);
            if (h.length() > 1) h.append(',');
            h.append('"').append(t[0]).append("\":{\"dtype\":\"F32\",\"shape\":[").append(t[1]).append("],\"data_offsets\":[")
                    .append(off).append(',').append(off + 4L * n).append("]}");
            ByteBuffer bb = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) bb.putFloat(i == 0 && t[0].equals("0.weight") ? poison : (float) (random.nextGaussian() * 0.1));
            data.writeBytes(bb.array());
            off += 4L * n;
        }
        h.append('}');
        return safetensors(headerOverride != null ? headerOverride : h.toString(), data.toByteArray());
    }

    static byte[] safetensors(String header, byte[] data) {
        byte[] hb = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + hb.length + data.length).order(ByteOrder.LITTLE_ENDIAN).putLong(hb.length).put(hb).put(data).array();
    }

    private void safetensors() {
        for (int k = 0; k < 260; k++) {
            byte[] good = tinyWeights(null, 0.01f);
            String header = new String(good, 8, (int) ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getLong(0), StandardCharsets.UTF_8);
            byte[] data = Arrays.copyOfRange(good, 8 + header.length(), good.length);
            switch (k % 13) {
                case 0 -> add("safetensors", "safetensors", good, 0, "ok");
                case 1 -> add("safetensors", "safetensors", Arrays.copyOf(good, 8 + header.length() + random.nextInt(data.length)), 0,
                        "error:the file is truncated");
                case 2 -> add("safetensors", "safetensors", Arrays.copyOf(good, random.nextInt(8)), 0, "error:shorter than the 8-byte header length");
                case 3 -> {
                    byte[] b = good.clone();
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, good.length + random.nextInt(1 << 20));
                    add("safetensors", "safetensors", b, 0, "error:runs past the end of the file");
                }
                case 4 -> {
                    byte[] b = good.clone();
                    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, random.nextBoolean() ? -1 - random.nextInt(1000) : 100_000_001L + random.nextInt(1 << 30));
                    add("safetensors", "safetensors", b, 0, "error:exceeds the limit of 100000000 bytes");
                }
                case 5 -> add("safetensors", "safetensors", safetensors(header.replaceFirst("\"F32\"", random.nextBoolean() ? "\"BF16\"" : "\"F16\""), data), 0,
                        "error:needs 72");
                case 6 -> add("safetensors", "safetensors", safetensors(header.substring(0, random.nextInt(header.length())), data), 0,
                        "error:header");
                case 7 -> add("safetensors", "safetensors", Arrays.copyOf(good, good.length + 1 + random.nextInt(100)), 0,
                        "error:belong to no tensor");
                case 8 -> add("safetensors", "safetensors", safetensors(header.replace("[4,1,3,3]", "[4,1,3,4]"), data), 0,
                        "error:tensor '0.weight': data_offsets [0, 144] span 144 bytes, but F32[4, 1, 3, 4] needs 192");
                case 9 -> add("safetensors", "safetensors", safetensors(header.replace("[10,64]", "[" + (1L << 40) + ",64]"), data), 0,
                        "error:exceeds LipReg's limit of 2147483647");
                case 10 -> add("safetensors", "safetensors", tinyWeights(null, random.nextBoolean() ? Float.NaN : Float.POSITIVE_INFINITY), 0, "ok",
                        "error:holds ");
                case 11 -> add("safetensors", "safetensors", safetensors(header.replace("}}", "},\"__metadata__\":{\"k\":" + random.nextInt(9) + "}}"),
                        data), 0, "error:__metadata__ value of 'k' must be a string");
                default -> {
                    byte[] b = good.clone();
                    for (int f = 0; f < 1 + random.nextInt(4); f++) {
                        int at = random.nextInt(8 + header.length());
                        b[at] ^= (byte) (1 + random.nextInt(255));
                    }
                    add("safetensors", "safetensors", b, 0, "any");
                }
            }
        }
    }

    // ------------------------------------------------------------------ model specs

    private static String spec(int classes, String... layers) {
        return "{\"name\": \"c\", \"input\": [1, 8, 8], \"classes\": " + classes + ", \"layers\": [" + String.join(", ", layers) + "]}";
    }

    private String validSpec() {
        int c = 1 + random.nextInt(4), k = 1 + 2 * random.nextInt(2), pool = 1 + random.nextInt(2);
        int side = (8 + 2 * (k / 2) - k + 1) / pool;
        String act = List.of("relu", "tanh", "sigmoid", "softplus", "elu").get(random.nextInt(5));
        return spec(10, "{\"type\": \"conv2d\", \"in\": 1, \"out\": " + c + ", \"kernel\": " + k + ", \"padding\": " + (k / 2) + "}",
                "{\"type\": \"" + act + "\"}", "{\"type\": \"maxpool2d\", \"kernel\": " + pool + "}", "{\"type\": \"flatten\"}",
                "{\"type\": \"linear\", \"in\": " + (c * side * side) + ", \"out\": 10}");
    }

    private void specs() {
        String flat = "{\"type\": \"flatten\"}";
        for (int k = 0; k < 240; k++) {
            String s = validSpec();
            String out;
            String expected;
            switch (k % 12) {
                case 0 -> { out = s; expected = "ok"; }
                case 1 -> { out = s.substring(0, random.nextInt(s.length())); expected = "error:model spec"; }
                case 2 -> { out = s.replace("\"out\": 10}", "\"out\": " + (2 + random.nextInt(8)) + "}"); expected = "error:per image, expected [10]"; }
                case 3 -> { out = s.replaceFirst("\"padding\": \\d+", "\"padding\": " + (1_000_000 + random.nextInt(1 << 20))); expected = "error:over the model budget"; }
                case 4 -> {
                    long big = List.of((1L << 31) - 1, 10_000_000_000L, (1L << 32) + 3).get(random.nextInt(3));
                    out = spec(10, flat, "{\"type\": \"linear\", \"in\": 64, \"out\": " + big + "}", "{\"type\": \"linear\", \"in\": " + big + ", \"out\": 10}");
                    expected = big == (1L << 31) - 1 ? "error:over the model budget" : "error:beyond the limit of 2147483647";
                }
                case 5 -> { out = spec(64, flat); expected = "error:no layer has parameters"; }
                case 6 -> { out = spec(10, "{\"type\": \"maxpool2d\", \"kernel\": " + (9 + random.nextInt(100)) + "}", flat,
                        "{\"type\": \"linear\", \"in\": 1, \"out\": 10}"); expected = "error:is larger than its input [1, 8, 8]"; }
                case 7 -> {
                    String[] many = new String[1001 + random.nextInt(50)];
                    Arrays.fill(many, "{\"type\": \"relu\"}");
                    many[many.length - 2] = flat;
                    many[many.length - 1] = "{\"type\": \"linear\", \"in\": 64, \"out\": 10}";
                    out = spec(10, many);
                    expected = "error:more than the limit of 1000";
                }
                case 8 -> { out = s.replaceFirst("\"in\": 1,", "\"in\": " + (2 + random.nextInt(5)) + ","); expected = "error:input channels but the previous layer outputs 1"; }
                case 9 -> {
                    String[] bad = {"\"kernel\": -1", "\"kernel\": 1.5", "\"kernel\": \"3\"", "\"kernel\": 0", "\"stride\": 0", "\"groups\": 7"};
                    out = s.replaceFirst("\"kernel\": \\d+", bad[random.nextInt(bad.length)]);
                    expected = "error:model spec";
                }
                case 10 -> { out = s.replace("\"conv2d\"", List.of("\"conv3d\"", "\"Conv2d\"", "null", "7").get(random.nextInt(4))); expected = "error:model spec"; }
                default -> {
                    char[] ch = s.toCharArray();
                    for (int f = 0; f < 1 + random.nextInt(3); f++) ch[random.nextInt(ch.length)] = "{}[]\":,0123456789-.eE x".charAt(random.nextInt(23));
                    out = new String(ch);
                    expected = "any";
                }
            }
            add("spec", "json", out.getBytes(StandardCharsets.UTF_8), 0, expected);
        }
    }

    // ------------------------------------------------------------------ ONNX

    private static final String[] UNSUPPORTED_OPS = {"LSTM", "ConvTranspose", "Loop", "NonZero", "Resize", "TopK"};

    private static ValueInfoProto value(String name, long... dims) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : dims) s.addDim(d < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("N") : TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(1).setShape(s))).build();
    }

    private static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) a.addInts(x);
        return a.build();
    }

    private static AttributeProto attr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static NodeProto node(String op, String name, List<String> in, String out, AttributeProto... attrs) {
        return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addOutput(out).addAllAttribute(List.of(attrs)).build();
    }

    /** float32 weights of {@code dims}, as raw little-endian bytes (PyTorch's way) or as float_data. */
    private TensorProto weights(String name, boolean raw, long... dims) {
        int n = (int) Arrays.stream(dims).reduce(1, (a, b) -> a * b);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(1);
        for (long d : dims) t.addDims(d);
        ByteBuffer bb = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            float v = (float) (random.nextGaussian() * 0.3);
            if (raw) bb.putFloat(v);
            else t.addFloatData(v);
        }
        if (raw) t.setRawData(ByteString.copyFrom(bb.array()));
        return t.build();
    }

    private static ModelProto model(GraphProto.Builder g) {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("lipreg-corpus")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(17)).setGraph(g).build();
    }

    /** input [N,1,8,8] → Conv 1→4 3x3 pad 1 → Relu → MaxPool 2 → Flatten → Gemm 64→{@code classes}: the tiny CNN. */
    private GraphProto.Builder cnn(int channels, int side, int classes) {
        int pooled = side / 2;
        return GraphProto.newBuilder().setName("tiny-cnn")
                .addNode(node("Conv", "conv", List.of("input", "conv.weight", "conv.bias"), "c", ints("kernel_shape", 3, 3), ints("pads", 1, 1, 1, 1)))
                .addNode(node("Relu", "relu", List.of("c"), "r"))
                .addNode(node("MaxPool", "pool", List.of("r"), "p", ints("kernel_shape", 2, 2), ints("strides", 2, 2)))
                .addNode(node("Flatten", "flatten", List.of("p"), "f", attr("axis", 1)))
                .addNode(node("Gemm", "fc", List.of("f", "fc.weight", "fc.bias"), "logits", attr("transB", 1)))
                .addInitializer(weights("conv.weight", true, 4, channels, 3, 3)).addInitializer(weights("conv.bias", true, 4))
                .addInitializer(weights("fc.weight", true, classes, 4L * pooled * pooled)).addInitializer(weights("fc.bias", true, classes))
                .addInput(value("input", -1, channels, side, side)).addOutput(value("logits", -1, classes));
    }

    /** input [N,1,8,8] → Flatten → MatMul 64→16 → Add → Sigmoid → Gemm 16→10 → LogSoftmax (dropped on import). */
    private GraphProto.Builder mlp() {
        return GraphProto.newBuilder().setName("tiny-mlp")
                .addNode(node("Flatten", "flatten", List.of("input"), "f"))
                .addNode(node("MatMul", "fc1", List.of("f", "fc1.weight"), "m"))
                .addNode(node("Add", "fc1.add", List.of("m", "fc1.bias"), "h"))
                .addNode(node("Sigmoid", "act", List.of("h"), "s"))
                .addNode(node("Gemm", "fc2", List.of("s", "fc2.weight", "fc2.bias"), "z", attr("transB", 1)))
                .addNode(node("LogSoftmax", "out", List.of("z"), "logp", attr("axis", 1)))
                .addInitializer(weights("fc1.weight", false, 64, 16)).addInitializer(weights("fc1.bias", false, 16))
                .addInitializer(weights("fc2.weight", false, 10, 16)).addInitializer(weights("fc2.bias", false, 10))
                .addInput(value("input", -1, 1, 8, 8)).addOutput(value("logp", -1, 10));
    }

    private static UnknownFieldSet wrongWire(int field, boolean varint) {
        var f = UnknownFieldSet.Field.newBuilder();
        if (varint) f.addVarint(3);
        else f.addFixed32(3);
        return UnknownFieldSet.newBuilder().addField(field, f.build()).build();
    }

    /** Offsets of the graph field's bytes in a serialized model: [start, end). */
    private static int[] graphSpan(ModelProto m) {
        int before = m.toBuilder().clearGraph().clearOpsetImport().build().getSerializedSize();
        return new int[]{before, before + CodedOutputStream.computeMessageSize(7, m.getGraph())};
    }

    private void onnx() {
        for (int k = 0; k < 120; k++) {
            GraphProto.Builder g = k % 24 < 12 ? cnn(1, 8, 10) : mlp();
            boolean isCnn = k % 24 < 12;
            int compiled = isCnn ? g.getNodeCount() : g.getNodeCount() - 1; // the MLP's final LogSoftmax is dropped unread
            byte[] out;
            String api, cli;
            switch (k % 12) {
                case 0, 1 -> { // valid
                    out = model(g).toByteArray();
                    api = cli = "ok";
                }
                case 2 -> { // cut inside the graph: its declared length runs past the end
                    ModelProto m = model(g);
                    int[] span = graphSpan(m);
                    out = Arrays.copyOf(m.toByteArray(), span[0] + 1 + random.nextInt(span[1] - span[0] - 1));
                    api = cli = "error:not a valid ONNX model file";
                }
                case 3 -> { // a known field sent with the wrong wire type
                    ModelProto.Builder m = model(g).toBuilder();
                    String which;
                    switch (random.nextInt(4)) {
                        case 0 -> { m.setUnknownFields(wrongWire(7, true)); which = "ModelProto.graph"; }
                        case 1 -> { m.getGraphBuilder().setUnknownFields(wrongWire(1, true)); which = "GraphProto.node"; }
                        case 2 -> { m.getGraphBuilder().getNodeBuilder(random.nextInt(g.getNodeCount())).setUnknownFields(wrongWire(4, true)); which = "NodeProto.op_type"; }
                        default -> { m.getGraphBuilder().getInitializerBuilder(random.nextInt(4)).setUnknownFields(wrongWire(2, false)); which = "TensorProto.data_type"; }
                    }
                    out = m.build().toByteArray();
                    api = cli = "error:" + which + " has the wrong wire type";
                }
                case 4 -> { // huge declared sizes, never allocated
                    int w = random.nextInt(4);
                    TensorProto.Builder t = g.getInitializerBuilder(w);
                    String name = t.getName();
                    switch (random.nextInt(4)) {
                        case 0 -> {
                            long d = (1L << 31) + random.nextInt(1 << 30);
                            t.clearDims().addDims(d).addDims(64);
                            api = "error:initializer '" + name + "': dimension 0 is " + d;
                        }
                        case 1 -> {
                            t.clearDims().addDims(65536).addDims(65536 + random.nextInt(1000));
                            api = "error:initializer '" + name + "': declares [65536, ";
                        }
                        case 2 -> {
                            int have = t.hasRawData() ? t.getRawData().size() : t.getFloatDataCount();
                            int keep = random.nextInt(have);
                            if (t.hasRawData()) t.setRawData(t.getRawData().substring(0, keep));
                            else {
                                List<Float> v = new ArrayList<>(t.getFloatDataList().subList(0, keep));
                                t.clearFloatData().addAllFloatData(v);
                            }
                            api = "error:initializer '" + name + "': holds " + keep + (isCnn ? " bytes of data" : " values");
                        }
                        default -> {
                            api = "error:not a valid ONNX model file";
                        }
                    }
                    out = model(g).toByteArray();
                    if (api.equals("error:not a valid ONNX model file")) { // the graph field declares about 2 GB
                        out = ByteBuffer.allocate(8 + 16).put(new byte[]{0x08, 0x08, 0x3A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07})
                                .put(Arrays.copyOf(out, 16)).array();
                    }
                    cli = api;
                }
                case 5 -> { // a cycle: the first node reads a later node's output
                    int n = g.getNodeCount();
                    int from = 1 + random.nextInt(n - 1);
                    String later = g.getNode(from).getOutput(0);
                    g.getNodeBuilder(0).setInput(0, later);
                    if (random.nextBoolean()) g.getNodeBuilder(from).setInput(0, later); // or a node reading its own output
                    out = model(g).toByteArray();
                    api = cli = "error:the graph has a cycle";
                }
                case 6 -> { // a missing initializer, graph input or output
                    switch (random.nextInt(3)) {
                        case 0 -> {
                            int w = random.nextInt(4);
                            String name = g.getInitializer(w).getName();
                            g.removeInitializer(w);
                            api = "error:reads '" + name + "', which is neither the graph input, an initializer nor any node's output";
                        }
                        case 1 -> {
                            g.clearInput();
                            api = "error:expected one graph input (an image or feature batch), found 0";
                        }
                        default -> {
                            g.setOutput(0, value("missing", -1, 10));
                            api = "error:graph output 'missing' is not produced by any node";
                        }
                    }
                    out = model(g).toByteArray();
                    cli = api;
                }
                case 7 -> { // an unsupported op
                    String op = UNSUPPORTED_OPS[random.nextInt(UNSUPPORTED_OPS.length)];
                    int at = random.nextInt(g.getNodeCount());
                    g.getNodeBuilder(at).setOpType(op).clearAttribute();
                    out = model(g).toByteArray();
                    api = cli = "error:op '" + op + "' is not supported (supported: ";
                }
                case 8 -> { // an unsupported attribute or attribute value
                    int at = random.nextInt(compiled);
                    NodeProto.Builder n = g.getNodeBuilder(at);
                    switch (random.nextInt(isCnn ? 3 : 1)) {
                        case 0 -> {
                            n.addAttribute(attr("lipreg_bogus", random.nextInt(9)));
                            api = "error:attribute 'lipreg_bogus' is not supported";
                        }
                        case 1 -> {
                            String pad = List.of("BOGUS", "same", "").get(random.nextInt(2));
                            g.getNodeBuilder(0).addAttribute(AttributeProto.newBuilder().setName("auto_pad").setType(AttributeProto.AttributeType.STRING)
                                    .setS(ByteString.copyFromUtf8(pad))).removeAttribute(1);
                            api = "error:auto_pad '" + pad + "' is not supported";
                        }
                        default -> {
                            g.getNodeBuilder(2).addAttribute(ints("dilations", 2, 2));
                            api = "error:pooling dilations [2, 2] are not supported (only 1)";
                        }
                    }
                    out = model(g).toByteArray();
                    cli = api;
                }
                case 9 -> { // unsupported data types, opsets and domains
                    ModelProto.Builder m = model(g).toBuilder();
                    switch (random.nextInt(4)) {
                        case 0 -> {
                            int type = List.of(11, 10, 16, 3).get(random.nextInt(4));
                            String typeName = List.of("DOUBLE", "FLOAT16", "BFLOAT16", "INT8").get(List.of(11, 10, 16, 3).indexOf(type));
                            TensorProto.Builder t = m.getGraphBuilder().getInitializerBuilder(random.nextInt(4)).setDataType(type);
                            api = "error:initializer '" + t.getName() + "': data type " + typeName + " is not supported (float32, int64 and int32 are)";
                        }
                        case 1 -> {
                            int type = List.of(7, 11, 10).get(random.nextInt(3));
                            m.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().setElemType(type);
                            api = "error:input 'input' has type " + List.of("INT64", "DOUBLE", "FLOAT16").get(List.of(7, 11, 10).indexOf(type)) + ", only FLOAT is supported";
                        }
                        case 2 -> {
                            int opset = random.nextBoolean() ? 1 + random.nextInt(10) : 23 + random.nextInt(100);
                            m.setOpsetImport(0, OperatorSetIdProto.newBuilder().setVersion(opset));
                            api = "error:opset " + opset + " is not supported (11..22 are)";
                        }
                        default -> {
                            m.getGraphBuilder().getNodeBuilder(random.nextInt(compiled)).setDomain("com.microsoft");
                            api = "error:domain 'com.microsoft' is not supported (only the default ONNX domain is)";
                        }
                    }
                    out = m.build().toByteArray();
                    cli = api;
                }
                case 10 -> { // valid models that do not fit the data (1x8x8 images, 10 classes, a batch of 2)
                    switch (random.nextInt(isCnn ? 4 : 1)) {
                        case 0 -> { // input [N,3,8,8]
                            g = cnn(3, 8, 10);
                            api = "error:input 'input' must be [N,3,8,8], got [2, 1, 8, 8]";
                            cli = "error:--input: expected x as float32 [N,3,8,8] (the model's input)";
                        }
                        case 1 -> { // input [N,1,16,16]
                            g = cnn(1, 16, 10);
                            api = "error:input 'input' must be [N,1,16,16], got [2, 1, 8, 8]";
                            cli = "error:--input: expected x as float32 [N,1,16,16] (the model's input)";
                        }
                        case 2 -> { // 5 classes: the labels 3 and 7 do not fit
                            g = cnn(1, 8, 5);
                            api = "ok";
                            cli = "error:--input: expected y as int64 [2] with classes in [0, 5)";
                        }
                        default -> { // a Reshape frozen to batch 1 where Flatten was
                            g.setNode(3, node("Reshape", "flatten", List.of("p", "shape"), "f"))
                                    .addInitializer(TensorProto.newBuilder().setName("shape").setDataType(7).addDims(2).addInt64Data(1).addInt64Data(64));
                            api = cli = "error:node 3 'flatten' (Reshape): cannot reshape [2, 4, 4, 4] to [1, 64]";
                        }
                    }
                    out = model(g).toByteArray();
                }
                default -> { // random byte flips, anywhere or only outside the weight bytes
                    out = model(g).toByteArray();
                    boolean structure = random.nextBoolean();
                    for (int f = 0; f < 1 + random.nextInt(3); f++) {
                        int at;
                        do {
                            at = random.nextInt(out.length);
                        } while (structure && inWeights(g, out, at));
                        out[at] ^= (byte) (1 + random.nextInt(255));
                    }
                    api = cli = "any";
                }
            }
            add("onnx", "onnx", out, 0, api, cli);
        }
    }

    /** Whether byte {@code at} of {@code file} lies in the weight data of one of the graph's initializers. */
    private static boolean inWeights(GraphProto.Builder g, byte[] file, int at) {
        for (TensorProto t : g.getInitializerList()) {
            byte[] data = t.hasRawData() ? t.getRawData().toByteArray() : t.toBuilder().clearDims().clearName().clearDataType().build().toByteArray();
            int from = indexOf(file, data);
            if (from >= 0 && at >= from && at < from + data.length) return true;
        }
        return false;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    static byte[] z(byte[] raw, boolean gz) {
        if (!gz) return raw;
        var out = new ByteArrayOutputStream();
        try (var g = new GZIPOutputStream(out)) {
            g.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
