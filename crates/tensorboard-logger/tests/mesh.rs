//! Meshes, read back through the real TensorBoard Mesh plugin's HTTP routes next to the
//! same meshes written by torch's `add_mesh`: every vertex, face and color comes back
//! exactly, and the plugin describes ours as it describes torch's.

mod common;

use std::f32::consts::TAU;

use anyhow::{Context, Result};
use serde_json::{Value, json};
use tensorboard_logger::SummaryWriter;
use tensorboard_logger::summary::mesh::Mesh;

/// A torus of `rings x sides` vertices: `(vertices, faces, colors)`, two triangles per
/// quad, colored by position on the ring and around the tube.
fn torus(major: f32, minor: f32, rings: usize, sides: usize) -> (Vec<f32>, Vec<i32>, Vec<u8>) {
    let mut vertices = Vec::new();
    let mut colors = Vec::new();
    for i in 0..rings {
        let u = TAU * i as f32 / rings as f32;
        for j in 0..sides {
            let v = TAU * j as f32 / sides as f32;
            let radius = major + minor * v.cos();
            vertices.extend([radius * u.cos(), radius * u.sin(), minor * v.sin()]);
            colors.extend([(255 * i / rings) as u8, (255 * j / sides) as u8, 128]);
        }
    }
    let index = |i: usize, j: usize| ((i % rings) * sides + j % sides) as i32;
    let faces = (0..rings)
        .flat_map(|i| (0..sides).map(move |j| (i, j)))
        .flat_map(|(i, j)| {
            let (a, b) = (index(i, j), index(i + 1, j));
            let (c, d) = (index(i + 1, j + 1), index(i, j + 1));
            [a, b, c, a, c, d]
        })
        .collect();
    (vertices, faces, colors)
}

/// Flat values as torch's `[batch, n, 3]` nested lists.
fn nested<T: Copy + Into<Value>>(values: &[T], batch: usize) -> Value {
    let per_mesh = values.len() / batch;
    values
        .chunks(per_mesh)
        .map(|mesh| {
            mesh.chunks(3)
                .map(|v| v.iter().map(|&x| x.into()).collect::<Value>())
                .collect::<Value>()
        })
        .collect()
}

/// The values of one mesh of a batch, as the dashboard decodes them.
fn sample<T: Copy + Into<Value>>(values: &[T], batch: usize, index: usize) -> Value {
    let per_mesh = values.len() / batch;
    values[index * per_mesh..(index + 1) * per_mesh]
        .iter()
        .map(|&x| x.into())
        .collect()
}

#[test]
fn the_mesh_dashboard_serves_our_meshes_as_torchs() -> Result<()> {
    let (thin_v, thin_f, thin_c) = torus(1.0, 0.25, 12, 8);
    let (fat_v, fat_f, fat_c) = torus(1.5, 0.6, 12, 8);
    let vertices = [thin_v, fat_v].concat();
    let faces = [thin_f, fat_f].concat();
    let colors = [thin_c, fat_c].concat();
    let tori = Mesh::new(vertices.clone(), 2)?
        .with_faces(faces.clone())?
        .with_colors(colors.clone())?;
    assert_eq!((tori.vertex_count(), tori.face_count()), (96, 192));
    let cloud_vertices: Vec<f32> = (0..50)
        .flat_map(|i| {
            let t = i as f32 * 0.37;
            [t.sin() * 1e-3, t.cos() * 1e3, t * 0.1]
        })
        .collect();
    let config = r#"{"camera": {"cls": "PerspectiveCamera", "fov": 75}}"#;
    let cloud = Mesh::new(cloud_vertices.clone(), 1)?.with_config(config)?;

    let logdir = tempfile::tempdir()?;
    let writer = SummaryWriter::new(logdir.path().join("run"))?;
    writer.add_mesh("shapes/tori", &tori, 5)?;
    writer.add_mesh("cloud", &cloud, 0)?;
    let error = writer.add_mesh("bad tag", &cloud, 0).unwrap_err();
    assert!(
        error.to_string().starts_with("invalid tag \"bad tag\""),
        "{error}"
    );
    writer.close()?;
    let error: tensorboard_logger::Error = Mesh::new(vertices.clone(), 2)?
        .with_faces(vec![0, 1, 96, 0, 1, 2])
        .unwrap_err()
        .into();
    assert_eq!(
        error.to_string(),
        "face value 2 is vertex 96, but each mesh has vertices 0 to 95"
    );

    let Some(python) = common::python_or_skip("the_mesh_dashboard_serves_our_meshes_as_torchs")
    else {
        return Ok(());
    };
    let inputs = logdir.path().join("inputs.json");
    std::fs::write(
        &inputs,
        serde_json::to_vec(&json!([
            {
                "tag": "shapes/tori", "step": 5, "vertices": nested(&vertices, 2),
                "faces": nested(&faces, 2), "colors": nested(&colors, 2), "config": null,
            },
            {
                "tag": "cloud", "step": 0, "vertices": nested(&cloud_vertices, 1),
                "faces": null, "colors": null, "config": serde_json::from_str::<Value>(config)?,
            },
        ]))?,
    )?;
    let mut view =
        common::script_view_with(&python, "read_mesh.py", logdir.path(), &[inputs.as_path()])?;
    let tags = json!({"shapes/tori": {"samples": 2}, "cloud": {"samples": 1}});
    assert_eq!(view["tags"], json!({"run": tags, "torch": tags}));

    let ours = &view["runs"]["run"];
    for k in 0..2 {
        assert_eq!(
            ours["shapes/tori"]["data"]["5"][k],
            json!({
                "VERTEX": sample(&vertices, 2, k),
                "FACE": sample(&faces, 2, k),
                "COLOR": sample(&colors, 2, k),
            }),
            "torus {k}"
        );
    }
    assert_eq!(
        ours["cloud"]["data"]["0"],
        json!([{"VERTEX": sample(&cloud_vertices, 1, 0)}])
    );
    let part = |content_type: u8, shape: [usize; 3], components: u8, config: &str| {
        json!({"step": 5, "content_type": content_type, "components": components,
               "config": config, "data_shape": shape})
    };
    let mut meshes = ours["shapes/tori"]["meshes"].clone();
    for mesh in meshes.as_array_mut().context("meshes")? {
        mesh.as_object_mut().context("a mesh")?.remove("wall_time");
    }
    assert_eq!(
        meshes,
        json!([
            part(1, [2, 96, 3], 14, "{}"),
            part(2, [2, 192, 3], 14, "{}"),
            part(3, [2, 96, 3], 14, "{}"),
        ])
    );
    assert_eq!(ours["cloud"]["meshes"][0]["config"], config);
    assert_eq!(ours["cloud"]["meshes"][0]["components"], 2);

    // Torch's meshes, served by the same plugin, are ours but for the times written.
    for run in view["runs"].as_object_mut().context("runs")?.values_mut() {
        for tag in run.as_object_mut().context("tags")?.values_mut() {
            for mesh in tag["meshes"].as_array_mut().context("meshes")? {
                mesh.as_object_mut().context("a mesh")?.remove("wall_time");
            }
        }
    }
    assert_eq!(view["runs"]["run"], view["runs"]["torch"]);
    Ok(())
}

#[cfg(feature = "tch")]
#[test]
fn torch_tensors_make_the_same_mesh_as_slices() -> Result<()> {
    use tch::{Device, Kind, Tensor};

    let (vertices, faces, colors) = torus(1.0, 0.25, 6, 4);
    let expected = Mesh::new(vertices.clone(), 1)?
        .with_faces(faces.clone())?
        .with_colors(colors.clone())?;
    // Torch's usual kinds: float vertices, int64 faces, uint8 colors.
    let vertex_tensor = Tensor::from_slice(&vertices).view([1, 24, 3]);
    let face_tensor = Tensor::from_slice(&faces)
        .to_kind(Kind::Int64)
        .view([1, 48, 3]);
    let color_tensor = Tensor::from_slice(&colors).view([1, 24, 3]);
    let from_tensors = |faces: &Tensor, colors: &Tensor| {
        Mesh::from_tensors(&vertex_tensor, Some(faces), Some(colors))
    };
    assert_eq!(from_tensors(&face_tensor, &color_tensor)?, expected);
    // Colors as floats in [0, 1] are scaled to bytes.
    let float_colors = color_tensor.to_kind(Kind::Double) / 255.0;
    assert_eq!(from_tensors(&face_tensor, &float_colors)?, expected);

    let message =
        |faces: &Tensor, colors: &Tensor| from_tensors(faces, colors).unwrap_err().to_string();
    assert_eq!(
        message(&face_tensor.to_kind(Kind::Float), &color_tensor),
        "faces tensor is of kind Float; give vertex indices of an integer kind (Int, Int64)"
    );
    assert_eq!(
        message(&(&face_tensor + 1), &color_tensor),
        "face value 110 is vertex 24, but each mesh has vertices 0 to 23"
    );
    assert_eq!(
        message(&face_tensor, &(color_tensor.to_kind(Kind::Int) * 2)),
        "color value 256 at index 2 is not a color; give integers 0 to 255 or floats in [0, 1]"
    );
    assert_eq!(
        message(&face_tensor.view([48, 3]), &color_tensor),
        "faces tensor has shape [48, 3]; expected [batch, faces, 3]"
    );
    let error = Mesh::from_tensors(
        &Tensor::zeros([2, 24, 3], (Kind::Float, Device::Cpu)),
        Some(&face_tensor),
        None,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "faces tensor has shape [1, 48, 3]; expected [2, faces, 3], as many meshes as vertices"
    );
    Ok(())
}
