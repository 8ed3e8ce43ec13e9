package dev.lipreg.regularizers;

import dev.lipreg.autograd.GradMode;
import dev.lipreg.nn.Buffer;
import dev.lipreg.nn.Module;
import dev.lipreg.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Runs an extra forward pass without leaving a trace in the model's buffers:
 * batch norm in training mode updates its running statistics on every forward,
 * and the finite-difference penalty's second pass (on x + h·d, shifted images)
 * must not count as another batch.
 */
final class FrozenBuffers {
    private FrozenBuffers() {
    }

    /** {@code pass} with every buffer of {@code model} restored to its value before it afterwards. */
    static <T> T during(Module model, Supplier<T> pass) {
        List<Buffer> buffers = List.copyOf(model.buffers().values());
        if (buffers.isEmpty()) return pass.get();
        List<Tensor> saved = new ArrayList<>(buffers.size());
        try (GradMode.Restore off = GradMode.disabled()) {
            for (Buffer b : buffers) saved.add(b.value().backend().copy(b.value()));
        }
        try {
            return pass.get();
        } finally {
            try (GradMode.Restore off = GradMode.disabled()) {
                for (int i = 0; i < buffers.size(); i++) buffers.get(i).assign(saved.get(i));
            }
        }
    }
}
