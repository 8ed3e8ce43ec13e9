package dev.lipreg.tensor.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Assembles safetensors files byte by byte, including broken ones. */
final class MalformedFiles {
    private MalformedFiles() {
    }

    /** A file whose length prefix matches {@code json} exactly, followed by {@code data}. */
    static byte[] file(String json, byte[] data) {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        return raw(header.length, header, data);
    }

    /** A file with an arbitrary length prefix {@code n}. */
    static byte[] raw(long n, byte[] header, byte[] data) {
        return ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(n).put(header).put(data).array();
    }

    /** A one-tensor header: {"name":{"dtype":dtype,"shape":shape,"data_offsets":offsets}}. */
    static String one(String name, String dtype, String shape, String offsets) {
        return "{\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}}";
    }
}
