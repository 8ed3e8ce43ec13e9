package dev.lipreg.bindings;

import java.lang.foreign.MemorySegment;

/**
 * Reads through pointers that native libraries hand back. Sizing such a pointer's target is a
 * restricted JVM operation, so it happens here, in the module users grant native access to
 * ({@code --enable-native-access=dev.lipreg.bindings}), and not in the modules that call it.
 */
public final class NativePointers {

    private NativePointers() {
    }

    /**
     * The {@code bytes} bytes a native pointer points at.
     *
     * @param pointer a pointer returned by a native call (a zero-length segment)
     * @param bytes how many bytes the caller knows are there
     * @return a segment of {@code bytes} bytes at the pointer's address
     */
    public static MemorySegment target(MemorySegment pointer, long bytes) {
        return pointer.reinterpret(bytes);
    }

    /**
     * The NUL-terminated string a native pointer points at, read within at most {@code maxBytes}.
     *
     * @param pointer a pointer to a C string
     * @param maxBytes the most bytes the string (with its NUL) may span
     * @return the string, decoded as UTF-8
     */
    public static String cString(MemorySegment pointer, long maxBytes) {
        return pointer.reinterpret(maxBytes).getString(0);
    }
}
