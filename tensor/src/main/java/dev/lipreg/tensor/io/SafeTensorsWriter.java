package dev.lipreg.tensor.io;

import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/** Streams tensors into a safetensors file, replacing the target atomically. */
final class SafeTensorsWriter {
    private static final int CHUNK_BYTES = 1 << 20;

    private SafeTensorsWriter() {
    }

    static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(tensors, "tensors");
        Map<String, String> meta = metadata == null ? Map.of() : metadata;
        checkArguments(tensors, meta);
        // Everything that can be rejected is rejected here, before the disk is touched.
        HeaderEncoder.Layout layout = HeaderEncoder.layout(tensors, meta);
        long largest = layout.tensors().stream().mapToLong(p -> p.end() - p.begin()).max().orElse(0);
        try {
            AtomicFile.write(file, channel -> {
                writeFully(channel, ByteBuffer.wrap(layout.prefixAndHeader()));
                ByteBuffer chunk = ByteBuffer.allocate(Math.clamp(largest, 8, CHUNK_BYTES));
                for (HeaderEncoder.Placed p : layout.tensors()) writeTensor(channel, p.tensor(), chunk);
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write safetensors file " + file + ": " + e, e);
        }
    }

    private static void checkArguments(Map<String, Tensor> tensors, Map<String, String> metadata) {
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || name.isEmpty()) throw new IllegalArgumentException("tensor names must be non-empty, got " + (name == null ? "null" : "\"\""));
            if (name.equals(HeaderEncoder.METADATA_KEY)) {
                throw new IllegalArgumentException("tensor name '" + name + "' is reserved for the metadata entry");
            }
            checkUnicode("tensor name", name);
            Tensor t = e.getValue();
            if (t == null) throw new IllegalArgumentException("tensor '" + name + "' is null");
            if (!t.isAlive()) {
                throw new IllegalArgumentException("tensor '" + name + "' (" + t.dtype() + t.shape()
                        + ") was freed when its Scope closed; save it before closing the scope");
            }
        }
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("metadata keys and values must be non-null, got " + e.getKey() + "=" + e.getValue());
            }
            checkUnicode("metadata key", e.getKey());
            checkUnicode("metadata value of '" + e.getKey() + "'", e.getValue());
        }
    }

    /** An unpaired surrogate cannot be encoded as UTF-8, so it could not be read back. */
    private static void checkUnicode(String what, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(what + " contains an unpaired surrogate at index " + i
                        + " and cannot be stored as UTF-8");
            }
        }
    }

    private static void writeTensor(FileChannel channel, Tensor t, ByteBuffer chunk) throws IOException {
        if (t.byteSize() == 0) return;
        if (t.device().isHost()) {
            stream(channel, t, t.data(), chunk);
        } else {
            // The device-to-host copy lives only as long as this tensor's write.
            try (Scope copy = Scope.open()) {
                stream(channel, t, t.backend().toHost(t), chunk);
            }
        }
    }

    private static void stream(FileChannel channel, Tensor t, MemorySegment host, ByteBuffer chunk) throws IOException {
        int size = t.dtype().byteSize();
        long perChunk = chunk.capacity() / size;
        MemorySegment buffer = MemorySegment.ofBuffer(chunk.clear());
        for (long done = 0, total = t.size(); done < total; ) {
            long n = Math.min(perChunk, total - done);
            LittleEndian.fromNative(t.dtype(), host, done * size, buffer, 0, n);
            writeFully(channel, chunk.clear().limit((int) (n * size)));
            done += n;
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer bytes) throws IOException {
        while (bytes.hasRemaining()) channel.write(bytes);
    }
}
