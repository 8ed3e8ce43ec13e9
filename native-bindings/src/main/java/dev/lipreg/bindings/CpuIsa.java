package dev.lipreg.bindings;

import java.util.HashMap;
import java.util.Map;

import static dev.lipreg.bindings.dnnl.gen.dnnl_h.*;

/** Readable names of dnnl_cpu_isa_t values (what oneDNN's JIT kernels target on this CPU). */
final class CpuIsa {

    private CpuIsa() {}

    /** Aliases share values in dnnl.h (avx10_1_512 == avx512_core_fp16...): this table picks one name each. */
    private static final Map<Integer, String> NAMES = table();

    private static Map<Integer, String> table() {
        Map<Integer, String> m = new HashMap<>();
        m.put(dnnl_cpu_isa_default(), "default (no JIT ISA limit)");
        m.put(dnnl_cpu_isa_sse41(), "sse41");
        m.put(dnnl_cpu_isa_avx(), "avx");
        m.put(dnnl_cpu_isa_avx2(), "avx2");
        m.put(dnnl_cpu_isa_avx2_vnni(), "avx2_vnni");
        m.put(dnnl_cpu_isa_avx2_vnni_2(), "avx2_vnni_2");
        m.put(dnnl_cpu_isa_avx512_core(), "avx512_core");
        m.put(dnnl_cpu_isa_avx512_core_vnni(), "avx512_core_vnni");
        m.put(dnnl_cpu_isa_avx512_core_bf16(), "avx512_core_bf16");
        m.put(dnnl_cpu_isa_avx512_core_fp16(), "avx512_core_fp16");
        m.put(dnnl_cpu_isa_avx512_core_amx(), "avx512_core_amx");
        m.put(dnnl_cpu_isa_avx512_core_amx_fp16(), "avx512_core_amx_fp16");
        m.put(dnnl_cpu_isa_avx10_2(), "avx10_2");
        m.put(dnnl_cpu_isa_avx10_2_amx_2(), "avx10_2_amx_2");
        return Map.copyOf(m);
    }

    static String name(int isa) {
        String name = NAMES.get(isa);
        return name != null ? name : "dnnl_cpu_isa_t(0x" + Integer.toHexString(isa) + ")";
    }
}
