//! The two networks: shapes, parameter counts, variable names, initialisation and penalties.

use activation_study::activation::Activation;
use activation_study::models::{CifarNet, MnistNet, StudyNet, parameter_count};
use tch::{Device, Kind, Tensor, nn};

fn shapes(vs: &nn::VarStore) -> Vec<(String, Vec<i64>)> {
    let mut v: Vec<_> = vs
        .variables()
        .into_iter()
        .map(|(k, t)| (k, t.size()))
        .collect();
    v.sort();
    v
}

#[test]
fn mnist_net_has_the_deep_mnist_shapes_and_parameter_count() {
    let vs = nn::VarStore::new(Device::Cpu);
    let net = MnistNet::new(&vs.root(), Activation::Relu).unwrap();
    // conv 5x5 1->32, conv 5x5 32->64, fc 7*7*64->1024, fc 1024->10, each with biases.
    let formula =
        (5 * 5 * 32 + 32) + (5 * 5 * 32 * 64 + 64) + (7 * 7 * 64 * 1024 + 1024) + (1024 * 10 + 10);
    assert_eq!(formula, 3_274_634);
    assert_eq!(parameter_count(&vs), formula);
    assert_eq!(
        shapes(&vs),
        [
            ("conv1.biases", vec![32]),
            ("conv1.weights", vec![32, 1, 5, 5]),
            ("conv2.biases", vec![64]),
            ("conv2.weights", vec![64, 32, 5, 5]),
            ("fc1.biases", vec![1024]),
            ("fc1.weights", vec![1024, 3136]),
            ("fc2.biases", vec![10]),
            ("fc2.weights", vec![10, 1024]),
        ]
        .map(|(k, s)| (k.to_string(), s))
    );
    let mut captured = Vec::new();
    let xs = Tensor::rand([3, 1, 28, 28], (Kind::Float, Device::Cpu));
    let logits = net
        .forward_captured(&xs, true, Some(&mut captured))
        .unwrap();
    assert_eq!(logits.size(), [3, 10]);
    assert_eq!(net.activation_layers(), ["conv1", "conv2", "fc1"]);
    assert_eq!(net.weight_layers(), ["conv1", "conv2", "fc1", "fc2"]);
    let captured: Vec<Vec<i64>> = captured.iter().map(Tensor::size).collect();
    assert_eq!(
        captured,
        [vec![3, 32, 28, 28], vec![3, 64, 14, 14], vec![3, 1024]]
    );
}

#[test]
fn cifar_net_has_the_tutorial_shapes_and_1_068_298_parameters() {
    let vs = nn::VarStore::new(Device::Cpu);
    let net = CifarNet::new(&vs.root(), Activation::Relu).unwrap();
    assert_eq!(parameter_count(&vs), 1_068_298);
    assert_eq!(
        shapes(&vs),
        [
            ("conv1.biases", vec![64]),
            ("conv1.weights", vec![64, 3, 5, 5]),
            ("conv2.biases", vec![64]),
            ("conv2.weights", vec![64, 64, 5, 5]),
            ("local3.biases", vec![384]),
            ("local3.weights", vec![384, 2304]),
            ("local4.biases", vec![192]),
            ("local4.weights", vec![192, 384]),
            ("softmax_linear.biases", vec![10]),
            ("softmax_linear.weights", vec![10, 192]),
        ]
        .map(|(k, s)| (k.to_string(), s))
    );
    let mut captured = Vec::new();
    let xs = Tensor::randn([2, 3, 24, 24], (Kind::Float, Device::Cpu));
    let logits = net
        .forward_captured(&xs, true, Some(&mut captured))
        .unwrap();
    assert_eq!(logits.size(), [2, 10]);
    assert_eq!(
        net.weight_layers(),
        ["conv1", "conv2", "local3", "local4", "softmax_linear"]
    );
    assert_eq!(net.activation_layers(), &net.weight_layers()[..4]);
    let captured: Vec<Vec<i64>> = captured.iter().map(Tensor::size).collect();
    assert_eq!(
        captured,
        [
            vec![2, 64, 24, 24],
            vec![2, 64, 12, 12],
            vec![2, 384],
            vec![2, 192]
        ]
    );
}

#[test]
fn initialisations_follow_the_tutorials() {
    tch::manual_seed(11);
    let vs = nn::VarStore::new(Device::Cpu);
    let _net = CifarNet::new(&vs.root(), Activation::Tanh).unwrap();
    let vars = vs.variables();
    // (name, std of the truncated normal, constant bias)
    for (layer, std, bias) in [
        ("conv1", 5e-2, 0.0),
        ("conv2", 5e-2, 0.1),
        ("local3", 0.04, 0.1),
        ("local4", 0.04, 0.1),
        ("softmax_linear", 1.0 / 192.0, 0.0),
    ] {
        let w = &vars[&format!("{layer}.weights")];
        let b = &vars[&format!("{layer}.biases")];
        assert!(
            w.abs().max().double_value(&[]) <= 2.0 * std * (1.0 + 1e-6),
            "{layer} weights truncated at 2 std"
        );
        // A normal truncated at 2 sigma has standard deviation 0.8796 sigma.
        let ratio = w.std(true).double_value(&[]) / std;
        assert!(
            (ratio - 0.8796).abs() < 0.06,
            "{layer} weights std ratio {ratio}"
        );
        assert_eq!(b.min().double_value(&[]), b.max().double_value(&[]));
        assert!((b.double_value(&[0]) - bias).abs() < 1e-7, "{layer} biases");
    }
    let vs = nn::VarStore::new(Device::Cpu);
    let _net = MnistNet::new(&vs.root(), Activation::Relu).unwrap();
    let vars = vs.variables();
    let ratio = vars["fc1.weights"].std(true).double_value(&[]) / 0.1;
    assert!((ratio - 0.8796).abs() < 0.01, "fc1 std ratio {ratio}");
    assert!((vars["fc2.biases"].mean(Kind::Float).double_value(&[]) - 0.1).abs() < 1e-7);
}

#[test]
fn cifar_weight_losses_are_0_004_times_half_the_squared_norm_of_local3_and_local4() {
    let vs = nn::VarStore::new(Device::Cpu);
    let net = CifarNet::new(&vs.root(), Activation::Elu { alpha: 1.0 }).unwrap();
    let mut losses = Vec::new();
    net.weight_losses(&mut losses).unwrap();
    assert_eq!(net.weight_loss_layers(), ["local3", "local4"]);
    let vars = vs.variables();
    for (loss, layer) in losses.iter().zip(["local3", "local4"]) {
        let w = Vec::<f64>::try_from(
            vars[&format!("{layer}.weights")]
                .flatten(0, -1)
                .to_kind(Kind::Double),
        )
        .unwrap();
        let want = 0.004 * w.iter().map(|x| x * x).sum::<f64>() / 2.0;
        let got = loss.double_value(&[]);
        assert!(
            (got - want).abs() < 1e-5 * want,
            "{layer}: got {got}, want {want}"
        );
    }
    let mnist_vs = nn::VarStore::new(Device::Cpu);
    let mnist = MnistNet::new(&mnist_vs.root(), Activation::Relu).unwrap();
    mnist.weight_losses(&mut losses).unwrap();
    assert!(losses.is_empty(), "the Deep MNIST net has no weight decay");
}

#[test]
fn dropout_acts_only_in_training_mode() {
    tch::manual_seed(3);
    let vs = nn::VarStore::new(Device::Cpu);
    let net = MnistNet::new(&vs.root(), Activation::Relu).unwrap();
    let xs = Tensor::rand([4, 1, 28, 28], (Kind::Float, Device::Cpu));
    let eval_a = net.forward_captured(&xs, false, None).unwrap();
    let eval_b = net.forward_captured(&xs, false, None).unwrap();
    assert!(eval_a.equal(&eval_b), "no dropout at test time");
    let train_a = net.forward_captured(&xs, true, None).unwrap();
    assert!(
        !train_a.allclose(&eval_a, 1e-6, 1e-6, false),
        "dropout in training"
    );
    // The CIFAR net has no dropout: training and eval mode agree.
    let cifar_vs = nn::VarStore::new(Device::Cpu);
    let cifar = CifarNet::new(&cifar_vs.root(), Activation::Relu).unwrap();
    let xs = Tensor::randn([2, 3, 24, 24], (Kind::Float, Device::Cpu));
    assert!(
        cifar
            .forward_captured(&xs, true, None)
            .unwrap()
            .equal(&cifar.forward_captured(&xs, false, None).unwrap())
    );
}

#[test]
fn the_captured_activations_are_the_ones_the_logits_depend_on() {
    // Same pass, not a second one: the gradient of the logits reaches the captured tensors.
    let vs = nn::VarStore::new(Device::Cpu);
    let net = CifarNet::new(&vs.root(), Activation::Sigmoid).unwrap();
    let mut captured = Vec::new();
    let xs = Tensor::randn([2, 3, 24, 24], (Kind::Float, Device::Cpu));
    let logits = net
        .forward_captured(&xs, true, Some(&mut captured))
        .unwrap();
    let grads = Tensor::run_backward(&[logits.sum(Kind::Float)], &captured, false, false);
    for ((c, g), layer) in captured.iter().zip(&grads).zip(net.activation_layers()) {
        assert_eq!(g.size(), c.size(), "{layer}");
        assert!(g.abs().sum(Kind::Float).double_value(&[]) > 0.0, "{layer}");
        let (lo, hi) = (c.min().double_value(&[]), c.max().double_value(&[]));
        assert!(lo >= 0.0 && hi <= 1.0, "{layer} holds sigmoid outputs");
    }
}
