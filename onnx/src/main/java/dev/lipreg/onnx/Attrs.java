package dev.lipreg.onnx;

import dev.lipreg.onnx.gen.OnnxProto.AttributeProto;
import dev.lipreg.onnx.gen.OnnxProto.NodeProto;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The attributes of one node, checked against what its converter understands. */
final class Attrs {
    private final String where;
    private final Map<String, AttributeProto> byName = new HashMap<>();

    Attrs(NodeProto node, String where, Set<String> known) {
        this.where = where;
        for (AttributeProto a : node.getAttributeList()) {
            if (!known.contains(a.getName())) {
                throw new OnnxException(where + ": attribute '" + a.getName() + "' is not supported"
                        + (known.isEmpty() ? " (this op takes none)" : " (supported: " + new TreeSet<>(known) + ")"));
            }
            if (a.hasRefAttrName() && !a.getRefAttrName().isEmpty()) {
                throw new OnnxException(where + ": attribute '" + a.getName() + "' refers to a function attribute, which is not supported");
            }
            byName.put(a.getName(), a);
        }
    }

    boolean has(String name) {
        return byName.containsKey(name);
    }

    long i(String name, long dflt) {
        AttributeProto a = byName.get(name);
        if (a == null) return dflt;
        if (!a.hasI()) throw bad(name, "an integer");
        return a.getI();
    }

    int intValue(String name, int dflt) {
        long v = i(name, dflt);
        if (v != (int) v) throw new OnnxException(where + ": attribute '" + name + "' = " + v + " is out of range");
        return (int) v;
    }

    float f(String name, float dflt) {
        AttributeProto a = byName.get(name);
        if (a == null) return dflt;
        if (!a.hasF()) throw bad(name, "a float");
        return a.getF();
    }

    String s(String name, String dflt) {
        AttributeProto a = byName.get(name);
        if (a == null) return dflt;
        if (!a.hasS()) throw bad(name, "a string");
        return a.getS().toStringUtf8();
    }

    /** An integer list, or null when absent. */
    long[] ints(String name) {
        AttributeProto a = byName.get(name);
        if (a == null) return null;
        List<Long> l = a.getIntsList();
        long[] out = new long[l.size()];
        for (int k = 0; k < out.length; k++) out[k] = l.get(k);
        return out;
    }

    int[] intArray(String name, int[] dflt) {
        long[] l = ints(name);
        if (l == null) return dflt;
        int[] out = new int[l.length];
        for (int k = 0; k < l.length; k++) {
            if (l[k] != (int) l[k]) throw new OnnxException(where + ": attribute '" + name + "' value " + l[k] + " is out of range");
            out[k] = (int) l[k];
        }
        return out;
    }

    float[] floats(String name) {
        AttributeProto a = byName.get(name);
        if (a == null) return null;
        float[] out = new float[a.getFloatsCount()];
        for (int k = 0; k < out.length; k++) out[k] = a.getFloats(k);
        return out;
    }

    AttributeProto raw(String name) {
        return byName.get(name);
    }

    private OnnxException bad(String name, String expected) {
        return new OnnxException(where + ": attribute '" + name + "' must be " + expected);
    }
}
