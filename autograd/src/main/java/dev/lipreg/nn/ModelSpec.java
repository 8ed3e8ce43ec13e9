package dev.lipreg.nn;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model as data: input shape [C,H,W], class count, and a list of layers that
 * builds into a {@link Sequential} whose state_dict keys are PyTorch's.
 *
 * <p>A spec is validated when constructed (see {@link SpecCheck}): arguments in range, shapes consistent layer by
 * layer, the last layer's width equal to {@code classes}, at most 1000 layers and sizes within the model budget
 * ({@code lipreg.maxModelBytes}), all before anything is allocated.
 *
 * <pre>{"name": "fashion-cnn", "input": [1, 28, 28], "classes": 10,
 *  "layers": [{"type": "conv2d", "in": 1, "out": 32, "kernel": 3, "padding": 1}, {"type": "relu"}, ...]}</pre>
 *
 * @param name    the model's name
 * @param input   the image shape [C,H,W]
 * @param classes the class count
 * @param layers  the layers, in order
 */
public record ModelSpec(String name, int[] input, int classes, List<LayerSpec> layers) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Validates the spec (see {@link SpecCheck}); copies the arrays and lists. */
    public ModelSpec {
        if (input == null || input.length != 3 || Arrays.stream(input).anyMatch(d -> d < 1)) {
            throw new IllegalArgumentException("model spec: 'input' must be [channels, height, width] of positive sizes, got "
                    + Arrays.toString(input));
        }
        if (classes < 2) throw new IllegalArgumentException("model spec: 'classes' must be >= 2, got " + classes);
        if (layers == null || layers.isEmpty()) throw new IllegalArgumentException("model spec: 'layers' must list at least one layer");
        input = input.clone();
        layers = List.copyOf(layers);
        SpecCheck.check(input, classes, layers);
    }

    /** {@return the image shape [C,H,W] (a copy)} */
    @Override
    public int[] input() {
        return input.clone();
    }

    /**
     * Builds the network with parameters drawn from {@code init}, in the current scope.
     *
     * @param init draws the parameters
     * @return the network
     */
    public Sequential build(Init init) {
        List<Module> ms = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            try {
                ms.add(layers.get(i).build(init));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("model spec '" + name + "', layer " + i + ": " + e.getMessage(), e);
            }
        }
        return new Sequential(ms);
    }

    // ----------------------------------------------------------------- JSON

    /**
     * Parses and validates a spec from JSON (see the class comment).
     *
     * @param json the JSON text
     * @return the spec
     */
    public static ModelSpec parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("model spec is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("model spec must be a JSON object with input, classes and layers");
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!List.of("name", "input", "classes", "layers").contains(f)) {
                throw new IllegalArgumentException("model spec: unknown field '" + f + "', expected name, input, classes, layers");
            }
        }
        JsonNode in = root.get("input");
        if (in == null || !in.isArray()) throw new IllegalArgumentException("model spec: 'input' must be an array [channels, height, width]");
        int[] input = new int[in.size()];
        for (int i = 0; i < input.length; i++) input[i] = intValue(in.get(i), "input[" + i + "]");
        JsonNode cls = root.get("classes");
        if (cls == null) throw new IllegalArgumentException("model spec: 'classes' is required");
        JsonNode ls = root.get("layers");
        if (ls == null || !ls.isArray()) throw new IllegalArgumentException("model spec: 'layers' must be an array of layer objects");
        if (ls.size() > SpecCheck.MAX_LAYERS) {
            throw new IllegalArgumentException("model spec: " + ls.size() + " layers, more than the limit of " + SpecCheck.MAX_LAYERS);
        }
        List<LayerSpec> layers = new ArrayList<>();
        for (int i = 0; i < ls.size(); i++) layers.add(layer(ls.get(i), i));
        String name = root.hasNonNull("name") ? root.get("name").asText() : "model";
        return new ModelSpec(name, input, intValue(cls, "classes"), layers);
    }

    /**
     * Reads and validates a spec from a JSON file; messages name the file.
     *
     * @param file the file
     * @return the spec
     * @throws IOException when the file cannot be read
     */
    public static ModelSpec read(Path file) throws IOException {
        try {
            return parse(Files.readString(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static LayerSpec layer(JsonNode n, int index) {
        if (!n.isObject() || !n.hasNonNull("type")) {
            throw new IllegalArgumentException("model spec: layer " + index + " must be an object with a 'type'");
        }
        Map<String, Number> args = new LinkedHashMap<>();
        Map<String, List<Double>> lists = new LinkedHashMap<>();
        for (var e : n.properties()) {
            if (e.getKey().equals("type")) continue;
            JsonNode v = e.getValue();
            if (v.isBoolean()) args.put(e.getKey(), v.asBoolean() ? 1 : 0);
            else if (v.isNumber()) args.put(e.getKey(), v.numberValue());
            else if (v.isArray()) lists.put(e.getKey(), numbers(v, index, e.getKey()));
            else throw new IllegalArgumentException("model spec: layer " + index + " argument '" + e.getKey() + "' must be a number, got " + v);
        }
        try {
            return new LayerSpec(n.get("type").asText(), args, lists);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("model spec: layer " + index + ": " + e.getMessage(), e);
        }
    }

    private static List<Double> numbers(JsonNode array, int index, String name) {
        if (array.size() > SpecCheck.MAX_LIST) {
            throw new IllegalArgumentException("model spec: layer " + index + " list '" + name + "' has " + array.size()
                    + " values, more than the limit of " + SpecCheck.MAX_LIST);
        }
        List<Double> out = new ArrayList<>();
        for (JsonNode x : array) {
            if (!x.isNumber()) throw new IllegalArgumentException("model spec: layer " + index + " list '" + name + "' must hold numbers, got " + x);
            out.add(x.doubleValue());
        }
        return out;
    }

    private static int intValue(JsonNode n, String what) {
        if (n == null || !n.isIntegralNumber()) throw new IllegalArgumentException("model spec: '" + what + "' must be an integer, got " + n);
        if (!n.canConvertToInt()) throw new IllegalArgumentException("model spec: '" + what + "' is " + n + ", beyond the limit of " + Integer.MAX_VALUE);
        return n.intValue();
    }

    /** {@return this spec as indented JSON, which {@link #parse} reads back to an equal spec} */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("name", name);
        ArrayNode in = root.putArray("input");
        for (int d : input) in.add(d);
        root.put("classes", classes);
        ArrayNode ls = root.putArray("layers");
        for (LayerSpec l : layers) {
            ObjectNode o = ls.addObject();
            o.put("type", l.type());
            l.args().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
                Number v = e.getValue();
                if (v instanceof Double || v instanceof Float) o.put(e.getKey(), v.doubleValue());
                else o.put(e.getKey(), v.longValue());
            });
            l.lists().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
                ArrayNode a = o.putArray(e.getKey());
                e.getValue().forEach(a::add);
            });
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSpec s && name.equals(s.name) && Arrays.equals(input, s.input) && classes == s.classes && layers.equals(s.layers);
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + Arrays.hashCode(input)) * 31 + layers.hashCode();
    }

    @Override
    public String toString() {
        return "ModelSpec(" + name + ", input " + Arrays.toString(input) + ", " + classes + " classes, " + layers.size() + " layers)";
    }
}
