package dev.lipreg.data;

/** uint8 → [0,1] conversion shared by the readers. */
final class Pixels {
    private Pixels() {}

    /** {@code v / 255f} for every byte value: exactly the rounded quotient, without a division per pixel. */
    static float[] unitTable() {
        float[] table = new float[256];
        for (int v = 0; v < 256; v++) {
            table[v] = v / 255f;
        }
        return table;
    }

    static void toUnit(byte[] src, int srcPos, float[] dst, int dstPos, int length, float[] table) {
        for (int i = 0; i < length; i++) {
            dst[dstPos + i] = table[src[srcPos + i] & 0xFF];
        }
    }
}
