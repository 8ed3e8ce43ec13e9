package dev.lipreg.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class LipRegInfoTest {
    @Test
    void reportsOneDnnGpuAndBackend() {
        String info = LipReg.info();
        assertTrue(info.contains("oneDNN 3.13"), info);
        assertTrue(info.contains("CPU ISA"), info);
        assertTrue(info.contains("CUDA"), info);
        assertTrue(info.contains("Backend:"), info);
        assertTrue(LipReg.nativeInfo().dnnl().available(), info);
    }
}
