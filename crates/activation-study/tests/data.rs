//! The loaders on the real files from `scripts/setup.sh`, and their errors on missing or
//! malformed files.

mod common;

use activation_study::data::{self, Dataset, batches::ShuffledBatches, cifar, mnist};
use activation_study::error::DataError;
use tch::{Device, Kind};

#[test]
fn mnist_loads_60000_training_and_10000_test_digits() {
    let root = common::data_root();
    let (train, test) = mnist::load(&root.join("mnist")).unwrap();
    assert_eq!((train.len(), test.len()), (60_000, 10_000));
    assert_eq!(train.shape, [1, 28, 28]);
    assert_eq!(train.pixels.len(), 60_000 * 784);
    for split in [&train, &test] {
        let mut counts = [0usize; 10];
        for &l in &split.labels {
            counts[l as usize] += 1;
        }
        // Every digit is well represented (the rarest, 5, has 5421 training images).
        assert!(counts.iter().all(|&c| c > split.len() / 20), "{counts:?}");
    }
    // The first training digit is a 5 and the first test digit a 7, as in every MNIST copy.
    assert_eq!((train.labels[0], test.labels[0]), (5, 7));
    assert_eq!(train.pixels.iter().max(), Some(&255));
}

#[test]
fn cifar10_sample_holds_the_first_20_test_images_with_their_labels() {
    let root = common::data_root();
    let loaded = data::load(Dataset::Cifar10, &root, Device::Cpu).unwrap();
    // Labels from the file names foolbox/data/cifar10_II_L.png of the foolbox 3.3.4 wheel,
    // which the sample was built from.
    let want = [3u8, 8, 8, 0, 6, 6, 1, 6, 3, 1, 0, 9, 5, 7, 9, 8, 5, 7, 8, 6];
    if loaded.source.smoke_test_sample {
        assert_eq!((loaded.train.len(), loaded.test.len()), (20, 20));
        let warning = loaded.warning.as_deref().unwrap();
        assert!(
            warning.contains("smoke-test") && warning.contains("download-cifar10.sh"),
            "{warning}"
        );
    }
    let (raw_train, raw_test, _) = cifar::load(&root).unwrap();
    let labels = Vec::<i64>::try_from(loaded.test.labels.narrow(0, 0, 20)).unwrap();
    assert_eq!(labels, want.map(i64::from));
    assert_eq!(raw_test.labels[..20], want);
    assert_eq!(cifar::CLASSES[want[0] as usize], "cat");
    assert_eq!(raw_train.shape, [3, 32, 32]);
    assert_eq!(loaded.test.images.size()[1..], [3, 32, 32]);
    assert_eq!(loaded.test.images.kind(), Kind::Uint8);
}

#[test]
fn batches_of_real_mnist_hold_matching_images_and_labels() {
    let loaded = data::load(Dataset::Mnist, &common::data_root(), Device::Cpu).unwrap();
    let mut batches = ShuffledBatches::new(loaded.train.len(), 50, 9);
    let index = batches.next_indices().to_vec();
    let mut again = ShuffledBatches::new(loaded.train.len(), 50, 9);
    let (images, labels) = again.next_batch(&loaded.train).unwrap();
    assert_eq!(images.size(), [50, 1, 28, 28]);
    for (slot, &i) in index.iter().enumerate().take(5) {
        assert!(images.get(slot as i64).equal(&loaded.train.images.get(i)));
        assert_eq!(
            labels.int64_value(&[slot as i64]),
            loaded.train.labels.int64_value(&[i])
        );
    }
}

#[test]
fn a_missing_data_directory_names_the_file_and_the_setup_script() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("nowhere");
    let err = data::load(Dataset::Mnist, &root, Device::Cpu).unwrap_err();
    assert!(matches!(err, DataError::Missing { .. }));
    let msg = err.to_string();
    let file = root.join("mnist/train-images-idx3-ubyte");
    assert!(msg.contains(&file.display().to_string()), "{msg}");
    assert!(
        msg.contains("./scripts/setup.sh") && msg.contains("--data-dir"),
        "{msg}"
    );

    let msg = data::load(Dataset::Cifar10, &root, Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains(
            &root
                .join("cifar10-sample/test_batch.bin")
                .display()
                .to_string()
        ),
        "{msg}"
    );
    assert!(msg.contains("./scripts/download-cifar10.sh"), "{msg}");
}

#[test]
fn a_malformed_mnist_file_is_named_with_what_is_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mnist");
    std::fs::create_dir_all(&dir).unwrap();
    // A label file where the image file should be: magic 0x801 instead of 0x803.
    let real = common::data_root().join("mnist");
    std::fs::copy(
        real.join("train-labels-idx1-ubyte"),
        dir.join("train-images-idx3-ubyte"),
    )
    .unwrap();
    let msg = data::load(Dataset::Mnist, tmp.path(), Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains(&dir.join("train-images-idx3-ubyte").display().to_string()),
        "{msg}"
    );
    assert!(
        msg.contains("magic number is 0x00000801, expected 0x00000803"),
        "{msg}"
    );
    assert!(msg.contains("./scripts/setup.sh"), "{msg}");

    // A truncated image file (the real header, half the pixels).
    let images = std::fs::read(real.join("t10k-images-idx3-ubyte")).unwrap();
    std::fs::write(
        dir.join("train-images-idx3-ubyte"),
        &images[..16 + 5_000 * 784],
    )
    .unwrap();
    let msg = data::load(Dataset::Mnist, tmp.path(), Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("header promises 7840000 data bytes but 3920000 follow"),
        "{msg}"
    );
}

#[test]
fn a_malformed_or_incomplete_cifar10_is_named_with_what_is_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    let sample = tmp.path().join("cifar10-sample/test_batch.bin");
    std::fs::create_dir_all(sample.parent().unwrap()).unwrap();
    let real = std::fs::read(common::data_root().join("cifar10-sample/test_batch.bin")).unwrap();
    std::fs::write(&sample, &real[..3 * 3073 + 100]).unwrap();
    let msg = data::load(Dataset::Cifar10, tmp.path(), Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(msg.contains(&sample.display().to_string()), "{msg}");
    assert!(
        msg.contains("9319 bytes long, not a positive multiple of the 3073-byte CIFAR-10 record"),
        "{msg}"
    );

    // The full release's directory exists: every file must then be there, no silent fallback.
    let full = tmp.path().join("cifar10/cifar-10-batches-bin");
    std::fs::create_dir_all(&full).unwrap();
    std::fs::write(full.join("data_batch_1.bin"), &real).unwrap();
    let msg = data::load(Dataset::Cifar10, tmp.path(), Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains(&full.join("data_batch_2.bin").display().to_string())
            && msg.contains("is missing"),
        "{msg}"
    );
    assert!(msg.contains("./scripts/download-cifar10.sh"), "{msg}");
}

#[test]
fn full_release_layout_is_used_when_present() {
    // Twenty real records per file stand in for the 10,000 of the release: any whole number loads.
    let tmp = tempfile::tempdir().unwrap();
    let full = tmp.path().join("cifar10/cifar-10-batches-bin");
    std::fs::create_dir_all(&full).unwrap();
    let real = std::fs::read(common::data_root().join("cifar10-sample/test_batch.bin")).unwrap();
    for f in cifar::TRAIN_FILES.iter().chain([&cifar::TEST_FILE]) {
        std::fs::write(full.join(f), &real).unwrap();
    }
    let loaded = data::load(Dataset::Cifar10, tmp.path(), Device::Cpu).unwrap();
    assert_eq!((loaded.train.len(), loaded.test.len()), (100, 20));
    assert!(!loaded.source.smoke_test_sample && loaded.warning.is_none());
}
