package dev.lipreg.onnx;

import dev.lipreg.onnx.gen.OnnxProto.TensorProto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A tensor decoded from a {@link TensorProto} on the heap: float32 values or
 * 64-bit integers (int32 and int64 both widen to long), with its dims. Every
 * declared size is checked against the bytes actually present before anything
 * is allocated, so a lying header fails with a message instead of an OOM.
 */
record HostTensor(int[] dims, float[] floats, long[] longs) {
    /** Refuse single tensors above this many elements (2^31 - 1 bytes is protobuf's own file limit). */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE / 4;

    static HostTensor ofLongs(long[] values, int... dims) {
        return new HostTensor(dims, null, values);
    }

    static HostTensor ofFloats(float[] values, int... dims) {
        return new HostTensor(dims, values, null);
    }

    boolean isFloat() {
        return floats != null;
    }

    int size() {
        return isFloat() ? floats.length : longs.length;
    }

    static int[] checkedDims(String what, java.util.List<Long> declared) {
        int[] dims = new int[declared.size()];
        long n = 1;
        for (int i = 0; i < dims.length; i++) {
            long d = declared.get(i);
            if (d < 0 || d > MAX_ELEMENTS) throw new OnnxException(what + ": dimension " + i + " is " + d + ", expected 0.." + MAX_ELEMENTS);
            n *= d;
            if (n > MAX_ELEMENTS) throw new OnnxException(what + ": declares " + declared + " elements, more than the " + MAX_ELEMENTS + " supported");
            dims[i] = (int) d;
        }
        return dims;
    }

    static long count(int[] dims) {
        long n = 1;
        for (int d : dims) n *= d;
        return n;
    }

    /** Decodes {@code t}; external data is read from {@code baseDir} (null: refused). */
    static HostTensor decode(TensorProto t, String what, Path baseDir) {
        int[] dims = checkedDims(what, t.getDimsList());
        int n = (int) count(dims);
        int type = t.getDataType();
        byte[] raw = null;
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            raw = ExternalData.read(t, what, baseDir, (long) n * elementBytes(type, what));
        } else if (t.hasRawData()) {
            raw = t.getRawData().toByteArray();
        }
        switch (type) {
            case 1 -> { // FLOAT
                float[] v = new float[n];
                if (raw != null) {
                    expectBytes(what, raw.length, (long) n * 4);
                    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
                } else {
                    expectCount(what, t.getFloatDataCount(), n);
                    for (int i = 0; i < n; i++) v[i] = t.getFloatData(i);
                }
                return new HostTensor(dims, v, null);
            }
            case 7 -> { // INT64
                long[] v = new long[n];
                if (raw != null) {
                    expectBytes(what, raw.length, (long) n * 8);
                    ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(v);
                } else {
                    expectCount(what, t.getInt64DataCount(), n);
                    for (int i = 0; i < n; i++) v[i] = t.getInt64Data(i);
                }
                return new HostTensor(dims, null, v);
            }
            case 6 -> { // INT32
                long[] v = new long[n];
                if (raw != null) {
                    expectBytes(what, raw.length, (long) n * 4);
                    var b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
                    for (int i = 0; i < n; i++) v[i] = b.get(i);
                } else {
                    expectCount(what, t.getInt32DataCount(), n);
                    for (int i = 0; i < n; i++) v[i] = t.getInt32Data(i);
                }
                return new HostTensor(dims, null, v);
            }
            default -> throw new OnnxException(what + ": data type " + typeName(type) + " is not supported (float32, int64 and int32 are)");
        }
    }

    private static int elementBytes(int type, String what) {
        return switch (type) {
            case 1, 6 -> 4;
            case 7 -> 8;
            default -> throw new OnnxException(what + ": data type " + typeName(type) + " is not supported (float32, int64 and int32 are)");
        };
    }

    private static void expectBytes(String what, long have, long want) {
        if (have != want) throw new OnnxException(what + ": holds " + have + " bytes of data, its shape needs " + want);
    }

    private static void expectCount(String what, int have, int want) {
        if (have != want) throw new OnnxException(what + ": holds " + have + " values, its shape needs " + want);
    }

    static String typeName(int type) {
        return switch (type) {
            case 0 -> "UNDEFINED";
            case 1 -> "FLOAT";
            case 2 -> "UINT8";
            case 3 -> "INT8";
            case 4 -> "UINT16";
            case 5 -> "INT16";
            case 6 -> "INT32";
            case 7 -> "INT64";
            case 8 -> "STRING";
            case 9 -> "BOOL";
            case 10 -> "FLOAT16";
            case 11 -> "DOUBLE";
            case 12 -> "UINT32";
            case 13 -> "UINT64";
            case 16 -> "BFLOAT16";
            default -> "type " + type;
        };
    }

    @Override
    public String toString() {
        return (isFloat() ? "float32" : "int64") + Arrays.toString(dims);
    }

    /** Tensors stored beside the model file (ONNX "external data"). */
    static final class ExternalData {
        private ExternalData() {
        }

        static byte[] read(TensorProto t, String what, Path baseDir, long want) {
            if (baseDir == null) throw new OnnxException(what + ": uses external data, which needs the model loaded from a file");
            String location = null;
            long offset = 0, length = -1;
            for (var e : t.getExternalDataList()) {
                try {
                    switch (e.getKey()) {
                        case "location" -> location = e.getValue();
                        case "offset" -> offset = Long.parseLong(e.getValue());
                        case "length" -> length = Long.parseLong(e.getValue());
                        default -> { } // checksum and others: not needed to read
                    }
                } catch (NumberFormatException ex) {
                    throw new OnnxException(what + ": external data " + e.getKey() + " '" + e.getValue() + "' is not a number");
                }
            }
            if (location == null || location.isEmpty()) throw new OnnxException(what + ": external data without a location");
            Path base = baseDir.toAbsolutePath().normalize();
            Path file = base.resolve(location).normalize();
            if (!file.startsWith(base)) throw new OnnxException(what + ": external data location '" + location + "' leaves the model's directory");
            if (length >= 0 && length != want) throw new OnnxException(what + ": external data length " + length + ", its shape needs " + want + " bytes");
            try (FileChannel ch = FileChannel.open(file)) {
                if (offset < 0 || offset + want > ch.size()) {
                    throw new OnnxException(what + ": external data " + location + " has " + ch.size() + " bytes, needs " + want + " at offset " + offset);
                }
                ByteBuffer buf = ByteBuffer.allocate((int) want);
                while (buf.hasRemaining()) {
                    if (ch.read(buf, offset + buf.position()) < 0) break;
                }
                return buf.array();
            } catch (IOException e) {
                throw new OnnxException(what + ": cannot read external data " + file + ": " + e.getMessage(), e);
            }
        }
    }
}
