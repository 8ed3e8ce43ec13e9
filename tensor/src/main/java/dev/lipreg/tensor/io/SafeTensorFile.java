package dev.lipreg.tensor.io;

import dev.lipreg.tensor.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The contents of a safetensors file: tensors in file order (sorted by data
 * offset, which for files written by LipReg or the reference writer means by
 * descending dtype alignment, then name) and the {@code __metadata__} strings
 * (empty when the file has none). Both maps are unmodifiable.
 *
 * @param tensors  the tensors, by name, in file order
 * @param metadata the metadata strings
 */
public record SafeTensorFile(Map<String, Tensor> tensors, Map<String, String> metadata) {
    /** Copies both maps (unmodifiable). */
    public SafeTensorFile {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /**
     * The tensor named {@code name}; throws naming the tensors present when it is missing.
     *
     * @param name the tensor's name
     * @return the tensor
     */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new NoSuchElementException("no tensor '" + name + "'; the file has " + tensors.keySet());
        return t;
    }
}
