package dev.lipreg.bindings;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.*;

class NativeLibrariesTest {

    private static Properties props(String... kv) {
        Properties p = new Properties();
        p.setProperty("user.home", "/home/u");
        for (int i = 0; i < kv.length; i += 2) {
            p.setProperty(kv[i], kv[i + 1]);
        }
        return p;
    }

    @Test
    void cacheRootPrecedence() {
        assertEquals(Path.of("/home/u/.cache/lipreg/native"), NativeLibraries.cacheRoot(Map.of(), props()));
        assertEquals(Path.of("/x/lipreg/native"), NativeLibraries.cacheRoot(Map.of("XDG_CACHE_HOME", "/x"), props()));
        assertEquals(Path.of("/env"), NativeLibraries.cacheRoot(Map.of("LIPREG_NATIVE_DIR", "/env", "XDG_CACHE_HOME", "/x"), props()));
        assertEquals(Path.of("/prop"), NativeLibraries.cacheRoot(Map.of("LIPREG_NATIVE_DIR", "/env"),
                props("lipreg.native.dir", "/prop")));
    }

    @Test
    void dnnlCoordinatesComeFromTheCarrierJar() {
        assertEquals("org.bytedeco:dnnl:3.13-1.5.14:linux-x86_64", NativeLibraries.dnnlCoordinates());
    }

    @Test
    void nativeAccessIsEnabledInSurefire() {
        assertDoesNotThrow(() -> NativeLibraries.requireNativeAccess("test"));
    }
}
