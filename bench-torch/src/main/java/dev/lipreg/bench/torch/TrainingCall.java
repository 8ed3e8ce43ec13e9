package dev.lipreg.bench.torch;

import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Runs a TorchScript method with autograd on. DJL's public
 * {@code IValueUtils.runMethod} passes {@code isTrain = false}, which makes its JNI
 * layer run the method without gradient recording, so {@code torch.autograd.grad}
 * inside it fails ("element 0 of tensors does not require grad"); the same native
 * entry point with {@code isTrain = true} records the graph. It is package-private
 * in DJL 0.36.0, hence the reflective handle, resolved once.
 */
final class TrainingCall {
    private static final MethodHandle RUN, WRAP;
    private static final Object LIB;

    static {
        try {
            Class<?> lib = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary");
            Field f = lib.getDeclaredField("LIB");
            f.setAccessible(true);
            LIB = f.get(null);
            Method run = lib.getDeclaredMethod("moduleRunMethod", long.class, String.class, long[].class, boolean.class, boolean.class);
            run.setAccessible(true);
            RUN = MethodHandles.lookup().unreflect(run);
            Constructor<IValue> c = IValue.class.getDeclaredConstructor(long.class);
            c.setAccessible(true);
            WRAP = MethodHandles.lookup().unreflectConstructor(c).asType(MethodType.methodType(IValue.class, long.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError("DJL's PyTorchLibrary.moduleRunMethod is not where DJL 0.36.0 has it: " + e);
        }
    }

    private TrainingCall() {
    }

    /** {@code block.method(inputs)} with gradient recording on; the caller closes the result. */
    static IValue run(PtSymbolBlock block, String method, IValue... inputs) {
        long[] handles = Arrays.stream(inputs).mapToLong(IValue::getHandle).toArray();
        try {
            long out = (long) RUN.invoke(LIB, block.getHandle().longValue(), method, handles, true, false);
            return (IValue) WRAP.invokeExact(out);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
