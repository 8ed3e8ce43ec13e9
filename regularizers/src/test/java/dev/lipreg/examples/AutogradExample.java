package dev.lipreg.examples;

import dev.lipreg.autograd.Autograd;
import dev.lipreg.autograd.Ops;
import dev.lipreg.autograd.Variable;
import dev.lipreg.tensor.Backend;
import dev.lipreg.tensor.Backends;
import dev.lipreg.tensor.Scope;
import dev.lipreg.tensor.Tensor;

import java.util.Arrays;

/** The gradient and a Hessian-vector product of f(x) = Σ tanh(x)² by double backprop. */
public class AutogradExample {

    public static void main(String[] args) {
        Backend backend = Backends.reference();           // float64: exact enough to compare with calculus
        try (Scope scope = Scope.open()) {                 // frees every tensor below when it closes
            Variable x = Variable.leaf(Tensor.of(backend, new double[]{0.5, -1.0, 2.0}, 3));
            Variable f = Ops.sum(Ops.square(Ops.tanh(x)));

            // createGraph = true records the backward pass, so the gradient can be differentiated again
            Variable g = Autograd.grad(f, x, true);
            Variable v = Variable.constant(Tensor.of(backend, new double[]{1, 0, 0}, 3));
            Variable hv = Autograd.grad(Ops.sum(g.mul(v)), x, false);   // H·v = ∇ₓ (∇ₓf · v)

            System.out.println("f     = " + f.item());
            System.out.println("∇f    = " + Arrays.toString(g.value().toDoubleArray()));
            System.out.println("H·e₀  = " + Arrays.toString(hv.value().toDoubleArray()));
        }
    }
}
