package dev.lipreg.tensor.io;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * A validated safetensors header: the file's {@code __metadata__} (empty when
 * absent, in file order) and its tensors sorted by data offset. The data buffer
 * starts at byte {@link #dataStart()} of the file and is {@link #dataLength()}
 * bytes long.
 *
 * @param metadata  the metadata strings
 * @param tensors   the tensor entries, by data offset
 * @param dataStart the file offset of the data buffer
 */
public record SafeTensorHeader(Map<String, String> metadata, List<TensorInfo> tensors, long dataStart) {
    /** Copies the map and list (unmodifiable). */
    public SafeTensorHeader {
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        tensors = List.copyOf(tensors);
    }

    /**
     * Bytes of tensor data: the end offset of the last tensor.
     *
     * @return the length
     */
    public long dataLength() {
        return tensors.isEmpty() ? 0 : tensors.getLast().end();
    }

    /**
     * The entry named {@code name}.
     *
     * @param name the entry's name
     * @return the entry
     */
    public TensorInfo tensor(String name) {
        for (TensorInfo t : tensors) {
            if (t.name().equals(name)) return t;
        }
        throw new NoSuchElementException("no tensor '" + name + "' in header; it has " + names());
    }

    /** {@return the tensors' names, by data offset} */
    public List<String> names() {
        return tensors.stream().map(TensorInfo::name).toList();
    }
}
