package dev.lipreg.tribuo;

import org.tribuo.Dataset;
import org.tribuo.Example;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.datasource.ListDataSource;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.transform.TransformationMap;
import org.tribuo.transform.TransformerMap;
import org.tribuo.transform.transformations.LinearScalingTransformation;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** The UCI breast-cancer data shipped as a test resource (see breast_cancer.README.md), as Tribuo datasets. */
final class BreastCancer {
    private static final String[] QUANTITIES = {"radius", "texture", "perimeter", "area", "smoothness", "compactness",
            "concavity", "concave points", "symmetry", "fractal dimension"};
    static final LabelFactory LABELS = new LabelFactory();

    /** A train/test split, both in Tribuo's [0,1] linear scaling fitted on the training part. */
    record Split(Dataset<Label> train, Dataset<Label> test) {
    }

    private BreastCancer() {
    }

    /** sklearn's feature names: "mean radius", "radius error", "worst radius", ... */
    static String[] featureNames() {
        String[] names = new String[30];
        for (int q = 0; q < 10; q++) {
            names[q] = "mean " + QUANTITIES[q];
            names[10 + q] = QUANTITIES[q] + " error";
            names[20 + q] = "worst " + QUANTITIES[q];
        }
        return names;
    }

    static List<Example<Label>> examples() {
        String[] names = featureNames();
        List<Example<Label>> out = new ArrayList<>();
        try (InputStream in = BreastCancer.class.getResourceAsStream("breast_cancer.csv")) {
            if (in == null) throw new IllegalStateException("test resource breast_cancer.csv is missing");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String[] header = r.readLine().split(",");
            String[] classes = {header[2], header[3]};
            for (String line; (line = r.readLine()) != null; ) {
                String[] cells = line.split(",");
                double[] values = new double[30];
                for (int j = 0; j < 30; j++) values[j] = Double.parseDouble(cells[j]);
                out.add(new ArrayExample<>(new Label(classes[Integer.parseInt(cells[30])]), names, values));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (out.size() != 569) throw new IllegalStateException("expected 569 rows, read " + out.size());
        return out;
    }

    /** A seeded shuffle into {@code trainFraction} for training and the rest for testing, scaled by Tribuo. */
    static Split split(long seed, double trainFraction) {
        Split raw = rawSplit(seed, trainFraction);
        TransformerMap scaling = raw.train().createTransformers(new TransformationMap(List.of(new LinearScalingTransformation(0, 1))));
        return new Split(scaling.transformDataset(raw.train()), scaling.transformDataset(raw.test()));
    }

    /** The same split with the features as measured. */
    static Split rawSplit(long seed, double trainFraction) {
        List<Example<Label>> all = new ArrayList<>(examples());
        Collections.shuffle(all, new Random(seed));
        int cut = (int) Math.round(all.size() * trainFraction);
        return new Split(dataset(all.subList(0, cut), "breast-cancer-train"), dataset(all.subList(cut, all.size()), "breast-cancer-test"));
    }

    private static Dataset<Label> dataset(List<Example<Label>> examples, String name) {
        return new MutableDataset<>(new ListDataSource<>(new ArrayList<>(examples), LABELS, new SimpleDataSourceProvenance(name, LABELS)));
    }
}
