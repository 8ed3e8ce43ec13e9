package dev.lipreg.cli;

import dev.lipreg.nn.Adam;
import dev.lipreg.nn.LrSchedule;
import dev.lipreg.nn.Optimizer;
import dev.lipreg.nn.Parameter;
import dev.lipreg.nn.Sgd;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/** Optimizers and learning-rate schedules from option values. */
final class Optimizers {
    private Optimizers() {
    }

    static void check(String name, double lr, double momentum, double weightDecay) {
        if (!(lr > 0) || Double.isInfinite(lr)) throw BadInputException.of("--lr", "a finite learning rate > 0", lr);
        if (!(momentum >= 0 && momentum < 1)) throw BadInputException.of("--momentum", "a number in [0, 1)", momentum);
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) throw BadInputException.of("--weight-decay", "a finite number >= 0", weightDecay);
        kind(name);
    }

    private static String kind(String name) {
        String k = name.toLowerCase(Locale.ROOT);
        if (!k.equals("sgd") && !k.equals("adam") && !k.equals("adamw")) throw BadInputException.of("--optimizer", "sgd, adam or adamw", "'" + name + "'");
        return k;
    }

    /** Build inside the model's scope: optimizer state lives where the optimizer was made. */
    static Optimizer build(String name, Map<String, Parameter> params, double lr, double momentum, double weightDecay) {
        return switch (kind(name)) {
            case "sgd" -> new Sgd(params, lr, momentum, weightDecay);
            case "adam" -> new Adam(params, lr, 0.9, 0.999, 1e-8, weightDecay, false);
            default -> Adam.adamW(params, lr, weightDecay);
        };
    }

    /** constant | step:SIZE:GAMMA | multistep:E1,E2,...:GAMMA | cosine[:MIN_LR]. */
    static LrSchedule schedule(String spec, double lr, int epochs) {
        String expected = "constant, step:SIZE:GAMMA, multistep:E1,E2,...:GAMMA or cosine[:MIN_LR]";
        String[] p = spec.toLowerCase(Locale.ROOT).split(":", -1);
        try {
            return switch (p[0]) {
                case "constant" -> {
                    if (p.length != 1) throw new NumberFormatException();
                    yield LrSchedule.constant(lr);
                }
                case "step" -> {
                    if (p.length != 3) throw new NumberFormatException();
                    int size = Integer.parseInt(p[1]);
                    double gamma = positive(p[2]);
                    if (size < 1) throw new NumberFormatException();
                    yield LrSchedule.step(lr, size, gamma);
                }
                case "multistep" -> {
                    if (p.length != 3) throw new NumberFormatException();
                    int[] ms = Arrays.stream(p[1].split(",")).mapToInt(Integer::parseInt).toArray();
                    if (Arrays.stream(ms).anyMatch(m -> m < 0)) throw new NumberFormatException();
                    yield LrSchedule.multiStep(lr, ms, positive(p[2]));
                }
                case "cosine" -> {
                    if (p.length > 2) throw new NumberFormatException();
                    double min = p.length == 2 ? Double.parseDouble(p[1]) : 0;
                    if (!(min >= 0)) throw new NumberFormatException();
                    yield LrSchedule.cosine(lr, epochs, min);
                }
                default -> throw new NumberFormatException();
            };
        } catch (NumberFormatException e) {
            throw BadInputException.of("--schedule", expected, "'" + spec + "'");
        }
    }

    private static double positive(String s) {
        double v = Double.parseDouble(s);
        if (!(v > 0) || Double.isInfinite(v)) throw new NumberFormatException();
        return v;
    }
}
