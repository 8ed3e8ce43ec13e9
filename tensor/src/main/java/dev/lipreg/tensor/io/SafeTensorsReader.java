package dev.lipreg.tensor.io;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Loads a safetensors file, converting F16/BF16 to float32 and F64 to float32 on backends
 * without float64 (see {@link FileDType}): validates the header against the file size, reads
 * the whole data buffer into a temporary off-heap segment, and only then creates
 * tensors. So a malformed or truncated file allocates no tensor, and a file that
 * changes size while being read is caught as truncated rather than as a crash
 * (which a memory mapping could cause). Only a backend failing inside
 * {@code fromHost} (out of device memory) can leave earlier tensors behind; they
 * are freed with the scope.
 */
final class SafeTensorsReader {
    private static final int MAX_READ = 1 << 30;

    private SafeTensorsReader() {
    }

    static SafeTensorHeader readHeader(Path file) {
        Objects.requireNonNull(file, "file");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return HeaderParser.parse(file, channel);
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    static SafeTensorFile read(Path file, Backend backend) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(backend, "backend");
        Scope.current(); // fail before any I/O when there is no scope to hold the tensors
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
             Arena staging = Arena.ofConfined()) {
            SafeTensorHeader header = HeaderParser.parse(file, channel);
            long converted = 0;
            for (TensorInfo t : header.tensors()) {
                DType target = target(t, backend);
                if (!backend.supports(target)) {
                    throw new IllegalArgumentException("cannot load " + file + ": tensor '" + t.name() + "' is "
                            + t.dtype() + ", which backend '" + backend.name() + "' does not support");
                }
                if (t.stored() != FileDType.of(target)) converted += t.shape().size() * target.byteSize();
            }
            TensorBudget.check(file, header.dataLength() + converted);
            MemorySegment data;
            try {
                data = staging.allocate(header.dataLength(), 64);
            } catch (OutOfMemoryError e) {
                // within the budget but more than the machine can give now: still a clear refusal, not a crash
                throw new IllegalArgumentException("cannot load " + file + ": no " + MemoryBudget.human(header.dataLength())
                        + " of native memory free for its tensor data (" + e.getMessage() + ")", e);
            }
            readFully(file, channel, data, header.dataStart());
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (TensorInfo t : header.tensors()) {
                MemorySegment bytes = data.asSlice(t.begin(), t.byteSize());
                DType target = target(t, backend);
                if (t.stored() == FileDType.of(target)) {
                    LittleEndian.toNativeInPlace(target, bytes);
                } else {
                    MemorySegment floats = staging.allocate(t.shape().size() * target.byteSize(), 64);
                    long beyond = t.stored().toFloat32(bytes, floats);
                    if (beyond >= 0) {
                        throw new IllegalArgumentException("cannot load " + file + ": tensor '" + t.name() + "' is F64 and holds "
                                + bytes.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), beyond)
                                + " at element " + beyond + ", beyond float32's range (±" + Float.MAX_VALUE + "), which backend '"
                                + backend.name() + "' computes in");
                    }
                    bytes = floats;
                }
                tensors.put(t.name(), backend.fromHost(bytes, t.shape(), target));
            }
            return new SafeTensorFile(tensors, header.metadata());
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    /**
     * The dtype {@code t} becomes on {@code backend}: its own, except that half-precision types widen to
     * float32 and F64 is rounded to float32 where the backend has no float64.
     */
    private static DType target(TensorInfo t, Backend backend) {
        return t.dtype() == DType.FLOAT64 && !backend.supports(DType.FLOAT64) ? DType.FLOAT32 : t.dtype();
    }

    private static void readFully(Path file, FileChannel channel, MemorySegment into, long position) throws IOException {
        for (long done = 0; done < into.byteSize(); ) {
            ByteBuffer window = into.asSlice(done, Math.min(MAX_READ, into.byteSize() - done)).asByteBuffer();
            while (window.hasRemaining()) {
                int n = channel.read(window, position + done + window.position());
                if (n < 0) {
                    throw new CheckpointFormatException(file, "file ended inside the tensor data; it was truncated "
                            + "or changed while being read");
                }
            }
            done += window.capacity();
        }
    }

    private static UncheckedIOException unreadable(Path file, IOException e) {
        return new UncheckedIOException("cannot read safetensors file " + file + ": " + e, e);
    }
}
