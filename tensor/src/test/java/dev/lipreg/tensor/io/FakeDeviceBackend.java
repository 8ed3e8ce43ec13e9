package dev.lipreg.tensor.io;

import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.DType;
import dev.lipreg.tensor.Device;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Shape;
import dev.lipreg.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Set;

/**
 * A stand-in for a GPU backend: it claims {@link Device#CUDA}, so the writer must
 * go through {@link Backend#toHost}. Memory is really host memory; only the
 * memory ops are implemented. It can refuse dtypes or fail in toHost, to test
 * how reading and writing react.
 */
final class FakeDeviceBackend implements InvocationHandler {
    private final Set<DType> supported;
    private final boolean failToHost;

    private FakeDeviceBackend(Set<DType> supported, boolean failToHost) {
        this.supported = supported;
        this.failToHost = failToHost;
    }

    static Backend create(Set<DType> supported, boolean failToHost) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                new FakeDeviceBackend(supported, failToHost));
    }

    @Override
    public Object invoke(Object self, Method method, Object[] args) {
        return switch (method.getName()) {
            case "name" -> "fake-device";
            case "device" -> Device.CUDA;
            case "supports" -> supported.contains((DType) args[0]);
            case "fromHost" -> fromHost((Backend) self, (MemorySegment) args[0], (Shape) args[1], (DType) args[2]);
            case "toHost" -> toHost((Tensor) args[0]);
            case "toString" -> "FakeDeviceBackend";
            case "hashCode" -> System.identityHashCode(self);
            case "equals" -> self == args[0];
            default -> throw new UnsupportedOperationException("fake device backend: " + method.getName());
        };
    }

    private static Tensor fromHost(Backend self, MemorySegment host, Shape shape, DType dtype) {
        Scope scope = Scope.current();
        MemorySegment mem = scope.allocate(host.byteSize());
        mem.copyFrom(host);
        return new Tensor(self, shape, dtype, mem, scope);
    }

    private MemorySegment toHost(Tensor t) {
        if (failToHost) throw new IllegalStateException("simulated device failure while copying to host");
        MemorySegment copy = Scope.current().allocate(t.byteSize());
        copy.copyFrom(t.data().asSlice(0, t.byteSize()));
        return copy;
    }
}
