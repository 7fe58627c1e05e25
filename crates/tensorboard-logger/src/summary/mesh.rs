//! Meshes and point clouds for TensorBoard's Mesh dashboard: one tensor summary per part.
//!
//! As torch's `add_mesh` and TensorBoard's own `mesh` summary write them: the vertices
//! (`[batch, vertices, 3]` coordinates) and, when given, the faces (`[batch, faces, 3]`
//! vertex indices of triangles) and colors (`[batch, vertices, 3]` RGB bytes) are each a
//! tensor summary tagged `<tag>_VERTEX`, `<tag>_FACE` and `<tag>_COLOR`. Their
//! `MeshPluginData` names the mesh (`<tag>`, which the dashboard groups them by), the
//! part, its shape, the parts the mesh has, and the scene's Three.js settings as JSON.
//!
//! The tensors have TensorBoard's own types: float32 vertices, int32 faces, uint8 colors,
//! as the dashboard serves them. Torch stores all three as float32, which the dashboard
//! converts back; indices of meshes over 2^24 vertices do not survive that, ours do.

use prost::Message;

use crate::proto::tensorboard::mesh::{MeshPluginData, mesh_plugin_data::ContentType};
use crate::proto::tensorboard::summary::{Value, value};
use crate::proto::tensorboard::{DataType, TensorProto};

/// The plugin that shows meshes.
pub const PLUGIN_NAME: &str = "mesh";

/// A batch of meshes (or point clouds) of one vertex count, with optional faces and
/// colors, and the scene's settings.
///
/// ```
/// use tensorboard_logger::summary::mesh::Mesh;
///
/// // A tetrahedron: 4 vertices, 4 triangles, one color per vertex.
/// let vertices = vec![1.0, 1.0, 1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0, -1.0, 1.0, -1.0];
/// let mesh = Mesh::new(vertices, 1)?
///     .with_faces(vec![0, 2, 3, 0, 3, 1, 0, 1, 2, 1, 3, 2])?
///     .with_colors(vec![255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 0, 255])?
///     .with_config(r#"{"camera": {"cls": "PerspectiveCamera", "fov": 75}}"#)?;
/// assert_eq!((mesh.batch(), mesh.vertex_count(), mesh.face_count()), (1, 4, 4));
/// # Ok::<(), tensorboard_logger::summary::mesh::MeshError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Mesh {
    vertices: Vec<f32>,
    batch: usize,
    faces: Option<Vec<i32>>,
    colors: Option<Vec<u8>>,
    config: Option<String>,
}

/// Why a mesh could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MeshError {
    /// Vertices that do not make `batch` meshes of whole `(x, y, z)` points, or none.
    #[error(
        "{values} vertex values do not make {batch} meshes of at least one (x, y, z) vertex; \
         give batch x vertices x 3 values, mesh by mesh"
    )]
    VertexShape {
        /// Values given.
        values: usize,
        /// The batch size given.
        batch: usize,
    },
    /// A NaN or infinite coordinate, which the dashboard cannot place.
    #[error("vertex value {value} at index {index} is not a finite coordinate")]
    NotFinite {
        /// Index of the first such value.
        index: usize,
        /// The value.
        value: f32,
    },
    /// Faces that do not make `batch` lists of whole triangles.
    #[error(
        "{values} face values do not make {batch} lists of whole triangles; give batch x \
         faces x 3 vertex indices, mesh by mesh"
    )]
    FaceShape {
        /// Values given.
        values: usize,
        /// The mesh's batch size.
        batch: usize,
    },
    /// A face naming a vertex the mesh does not have.
    #[error(
        "face value {index} is vertex {vertex}, but each mesh has vertices 0 to {}",
        vertices - 1
    )]
    FaceIndex {
        /// Index of the first such value.
        index: usize,
        /// The vertex it names.
        vertex: i64,
        /// Vertices per mesh.
        vertices: usize,
    },
    /// Colors of a different count than the vertices' values.
    #[error("{colors} color values for {vertices} vertex values; give one (r, g, b) per vertex")]
    ColorCount {
        /// Color values given.
        colors: usize,
        /// Vertex values of the mesh.
        vertices: usize,
    },
    /// A color outside `0..=255` (integers) or `[0, 1]` (floats), in a tensor.
    #[error(
        "color value {value} at index {index} is not a color; give integers 0 to 255 or \
         floats in [0, 1]"
    )]
    BadColor {
        /// Index of the first such value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A part with a side beyond the 2^31 - 1 that `MeshPluginData` can record.
    #[error("a mesh part of shape {shape:?} is too large; each side must be below 2^31")]
    TooLarge {
        /// The part's shape.
        shape: [usize; 3],
    },
    /// A scene configuration that is not a JSON object.
    #[error(
        "mesh config is not a JSON object ({cause}); give Three.js settings such as \
         {{\"camera\": {{\"cls\": \"PerspectiveCamera\", \"fov\": 75}}}}"
    )]
    Config {
        /// What the JSON parser said, or what the JSON was instead.
        cause: String,
    },
    /// A tensor that is not `[batch, n, 3]`, or not of the shape of the vertices.
    #[cfg(feature = "tch")]
    #[error("{part} tensor has shape {shape:?}; expected {expected}")]
    TensorShape {
        /// `vertices`, `faces` or `colors`.
        part: &'static str,
        /// The tensor's shape.
        shape: Vec<i64>,
        /// The shape that would have worked.
        expected: String,
    },
    /// A tensor of a kind that cannot hold that part.
    #[cfg(feature = "tch")]
    #[error("{part} tensor is of kind {kind:?}; {expected}")]
    TensorKind {
        /// `vertices`, `faces` or `colors`.
        part: &'static str,
        /// The tensor's kind.
        kind: tch::Kind,
        /// The kinds that would have worked.
        expected: &'static str,
    },
    /// An undefined tensor (`Tensor::new()`).
    #[cfg(feature = "tch")]
    #[error("{part} tensor is undefined (holds no data)")]
    UndefinedTensor {
        /// `vertices`, `faces` or `colors`.
        part: &'static str,
    },
    /// A tch operation failed.
    #[cfg(feature = "tch")]
    #[error("reading a mesh tensor failed: {0}")]
    Tensor(tch::TchError),
}

// By hand rather than `#[from]`: the message already holds the cause (see `crate::error`).
#[cfg(feature = "tch")]
impl From<tch::TchError> for MeshError {
    fn from(error: tch::TchError) -> Self {
        Self::Tensor(error)
    }
}

impl Mesh {
    /// A batch of `batch` meshes (1 for one mesh) whose vertices are `vertices`: `batch x
    /// vertices x 3` coordinates, mesh by mesh, each vertex's `x, y, z` together, as
    /// torch's `[B, N, 3]` vertices tensor holds them. Without faces the dashboard shows
    /// a point cloud.
    pub fn new(vertices: Vec<f32>, batch: usize) -> Result<Self, MeshError> {
        let Some(per_mesh) = whole_triples(vertices.len(), batch) else {
            return Err(MeshError::VertexShape {
                values: vertices.len(),
                batch,
            });
        };
        check_side([batch, per_mesh, 3])?;
        if let Some((index, &value)) = vertices.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(MeshError::NotFinite { index, value });
        }
        Ok(Self {
            vertices,
            batch,
            faces: None,
            colors: None,
            config: None,
        })
    }

    /// Adds triangles: `batch x faces x 3` indices into each mesh's own vertices (from 0),
    /// mesh by mesh, as torch's `[B, F, 3]` faces tensor holds them. Every mesh of the
    /// batch has the same number of faces.
    pub fn with_faces(mut self, faces: Vec<i32>) -> Result<Self, MeshError> {
        let Some(per_mesh) = whole_triples(faces.len(), self.batch) else {
            return Err(MeshError::FaceShape {
                values: faces.len(),
                batch: self.batch,
            });
        };
        check_side([self.batch, per_mesh, 3])?;
        check_faces(faces.iter().map(|&v| i64::from(v)), self.vertex_count())?;
        self.faces = Some(faces);
        Ok(self)
    }

    /// Adds vertex colors: one `r, g, b` triple per vertex, in the vertices' order.
    pub fn with_colors(mut self, colors: Vec<u8>) -> Result<Self, MeshError> {
        if colors.len() != self.vertices.len() {
            return Err(MeshError::ColorCount {
                colors: colors.len(),
                vertices: self.vertices.len(),
            });
        }
        self.colors = Some(colors);
        Ok(self)
    }

    /// Sets the scene: a JSON object of Three.js settings (`camera`, `lights`,
    /// `material`), torch's `config_dict` as `json.dumps` writes it. Without one the
    /// dashboard's defaults apply (torch writes `{}`, as we do).
    pub fn with_config(mut self, json: impl Into<String>) -> Result<Self, MeshError> {
        let json = json.into();
        match serde_json::from_str::<serde_json::Value>(&json) {
            Ok(serde_json::Value::Object(_)) => {}
            Ok(other) => {
                return Err(MeshError::Config {
                    cause: format!("it is {other}"),
                });
            }
            Err(error) => {
                return Err(MeshError::Config {
                    cause: error.to_string(),
                });
            }
        }
        self.config = Some(json);
        Ok(self)
    }

    /// Meshes in the batch.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// Vertices of each mesh.
    pub fn vertex_count(&self) -> usize {
        self.vertices.len() / 3 / self.batch
    }

    /// Triangles of each mesh (0 for a point cloud).
    pub fn face_count(&self) -> usize {
        self.faces.as_ref().map_or(0, |f| f.len() / 3 / self.batch)
    }

    /// The summary values of the mesh logged as `tag`: vertices, then faces and colors
    /// when it has them (see the [module docs](self)).
    pub fn values(&self, tag: &str) -> Vec<Value> {
        let mut parts = vec![(
            ContentType::Vertex,
            DataType::DtFloat,
            self.vertex_count(),
            self.vertices
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect::<Vec<u8>>(),
        )];
        if let Some(faces) = &self.faces {
            parts.push((
                ContentType::Face,
                DataType::DtInt32,
                self.face_count(),
                faces.iter().flat_map(|v| v.to_le_bytes()).collect(),
            ));
        }
        if let Some(colors) = &self.colors {
            parts.push((
                ContentType::Color,
                DataType::DtUint8,
                self.vertex_count(),
                colors.clone(),
            ));
        }
        let components = parts
            .iter()
            .fold(0, |bits, (content, ..)| bits | (1 << (*content as u32)));
        let config = self.config.as_deref().unwrap_or("{}");
        parts
            .into_iter()
            .map(|(content, dtype, rows, bytes)| {
                // `new` and `with_faces` checked that every side fits in i32.
                let shape = [self.batch, rows, 3].map(|side| side as i32);
                let metadata = MeshPluginData {
                    version: 0,
                    name: tag.to_owned(),
                    content_type: content.into(),
                    json_config: config.to_owned(),
                    shape: shape.to_vec(),
                    components,
                };
                Value {
                    tag: format!("{tag}_{}", content.as_str_name()),
                    metadata: Some(super::plugin_metadata(
                        PLUGIN_NAME,
                        metadata.encode_to_vec(),
                    )),
                    value: Some(value::Value::Tensor(TensorProto {
                        dtype: dtype.into(),
                        tensor_shape: Some(super::tensor_shape(shape.map(i64::from))),
                        tensor_content: bytes,
                        ..Default::default()
                    })),
                    ..Default::default()
                }
            })
            .collect()
    }
}

/// How many triples per item `len` values make in a batch of `batch`, when they make at
/// least one each and none is left over.
fn whole_triples(len: usize, batch: usize) -> Option<usize> {
    let per_item = batch.checked_mul(3)?;
    (len > 0 && len.is_multiple_of(per_item)).then(|| len / per_item)
}

/// Checks that every face value is the index of one of a mesh's `vertices`.
fn check_faces(faces: impl Iterator<Item = i64>, vertices: usize) -> Result<(), MeshError> {
    for (index, vertex) in faces.enumerate() {
        if usize::try_from(vertex).ok().is_none_or(|v| v >= vertices) {
            return Err(MeshError::FaceIndex {
                index,
                vertex,
                vertices,
            });
        }
    }
    Ok(())
}

/// Checks that every side of a part's shape fits the `int32` that records it.
fn check_side(shape: [usize; 3]) -> Result<(), MeshError> {
    if shape.iter().any(|&side| i32::try_from(side).is_err()) {
        return Err(MeshError::TooLarge { shape });
    }
    Ok(())
}

#[cfg(feature = "tch")]
mod tensor {
    //! Meshes from tch tensors in torch's `[B, N, 3]` layout, on any device.

    use tch::{Device, Kind, Tensor};

    use super::{Mesh, MeshError, check_faces};

    /// The shape of a defined `[batch, n, 3]` tensor.
    fn triples(tensor: &Tensor, part: &'static str, n: &str) -> Result<[i64; 3], MeshError> {
        if !tensor.defined() {
            return Err(MeshError::UndefinedTensor { part });
        }
        let shape = tensor.size();
        match shape[..] {
            [batch, rows, 3] => Ok([batch, rows, 3]),
            _ => Err(MeshError::TensorShape {
                part,
                shape,
                expected: format!("[batch, {n}, 3]"),
            }),
        }
    }

    /// The tensor's values on the host as `T`: one copy.
    fn host<T: tch::kind::Element + Copy>(tensor: &Tensor) -> Result<Vec<T>, MeshError> {
        let flat = tensor
            .f_detach()?
            .f_to_device(Device::Cpu)?
            .f_reshape([-1])?;
        Ok(Vec::<T>::try_from(&flat)?)
    }

    fn is_integer(kind: Kind) -> bool {
        matches!(
            kind,
            Kind::Uint8 | Kind::Int8 | Kind::Int16 | Kind::Int | Kind::Int64
        )
    }

    impl Mesh {
        /// A mesh from torch's tensors: `vertices` `[B, N, 3]` of any float or integer
        /// kind; `faces` `[B, F, 3]` of an integer kind; `colors` `[B, N, 3]`, integers
        /// `0..=255` (e.g. `Uint8`) or floats in `[0, 1]` (times 255, rounded, as image
        /// pixels are). Tensors may be on any device; each is copied to the host once.
        ///
        /// ```
        /// use tch::{Device, Kind, Tensor};
        /// use tensorboard_logger::summary::mesh::Mesh;
        ///
        /// let vertices = Tensor::rand([2, 100, 3], (Kind::Float, Device::Cpu));
        /// let colors = Tensor::randint(256, [2, 100, 3], (Kind::Uint8, Device::Cpu));
        /// let cloud = Mesh::from_tensors(&vertices, None, Some(&colors))?;
        /// assert_eq!((cloud.batch(), cloud.vertex_count()), (2, 100));
        /// # Ok::<(), tensorboard_logger::summary::mesh::MeshError>(())
        /// ```
        pub fn from_tensors(
            vertices: &Tensor,
            faces: Option<&Tensor>,
            colors: Option<&Tensor>,
        ) -> Result<Self, MeshError> {
            let shape = triples(vertices, "vertices", "vertices")?;
            let kind = vertices.f_kind()?;
            if !(vertices.is_floating_point() || is_integer(kind)) {
                return Err(MeshError::TensorKind {
                    part: "vertices",
                    kind,
                    expected: "give a float or integer kind",
                });
            }
            // Sizes of a defined tensor are never negative.
            let mut mesh = Mesh::new(host(vertices)?, shape[0] as usize)?;
            if let Some(faces) = faces {
                let face_shape = triples(faces, "faces", "faces")?;
                if face_shape[0] != shape[0] {
                    return Err(MeshError::TensorShape {
                        part: "faces",
                        shape: face_shape.to_vec(),
                        expected: format!("[{}, faces, 3], as many meshes as vertices", shape[0]),
                    });
                }
                let kind = faces.f_kind()?;
                if !is_integer(kind) {
                    return Err(MeshError::TensorKind {
                        part: "faces",
                        kind,
                        expected: "give vertex indices of an integer kind (Int, Int64)",
                    });
                }
                let indices: Vec<i64> = host(faces)?;
                check_faces(indices.iter().copied(), mesh.vertex_count())?;
                // Each index is below the vertex count, which fits in i32.
                mesh = mesh.with_faces(indices.into_iter().map(|v| v as i32).collect())?;
            }
            if let Some(colors) = colors {
                triples(colors, "colors", "vertices")?;
                if colors.size() != shape {
                    return Err(MeshError::TensorShape {
                        part: "colors",
                        shape: colors.size(),
                        expected: format!("{shape:?}, the shape of the vertices"),
                    });
                }
                mesh = mesh.with_colors(color_bytes(colors)?)?;
            }
            Ok(mesh)
        }
    }

    /// Colors as bytes: integers as they are, floats in `[0, 1]` times 255, rounded.
    fn color_bytes(colors: &Tensor) -> Result<Vec<u8>, MeshError> {
        let kind = colors.f_kind()?;
        let bad = |index, value| MeshError::BadColor { index, value };
        if is_integer(kind) {
            let values: Vec<i64> = host(colors)?;
            return values
                .iter()
                .enumerate()
                .map(|(index, &v)| u8::try_from(v).map_err(|_| bad(index, v as f64)))
                .collect();
        }
        if !colors.is_floating_point() {
            return Err(MeshError::TensorKind {
                part: "colors",
                kind,
                expected: "give Uint8 (0 to 255) or a float kind (0 to 1)",
            });
        }
        let values: Vec<f64> = host(colors)?;
        values
            .iter()
            .enumerate()
            .map(|(index, &v)| {
                if (0.0..=1.0).contains(&v) {
                    Ok((v * 255.0).round() as u8)
                } else {
                    Err(bad(index, v))
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triangle() -> Mesh {
        Mesh::new(vec![0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0], 1).unwrap()
    }

    #[test]
    fn errors_name_the_problem() {
        let message = |r: Result<Mesh, MeshError>| r.unwrap_err().to_string();
        assert_eq!(
            message(Mesh::new(vec![0.0; 9], 2)),
            "9 vertex values do not make 2 meshes of at least one (x, y, z) vertex; give batch x \
             vertices x 3 values, mesh by mesh"
        );
        assert_eq!(
            message(Mesh::new(vec![], 1)),
            "0 vertex values do not make 1 meshes of at least one (x, y, z) vertex; give batch x \
             vertices x 3 values, mesh by mesh"
        );
        assert_eq!(
            message(Mesh::new(vec![0.0, f32::NAN, 0.0], 1)),
            "vertex value NaN at index 1 is not a finite coordinate"
        );
        assert_eq!(
            message(triangle().with_faces(vec![0, 1])),
            "2 face values do not make 1 lists of whole triangles; give batch x faces x 3 \
             vertex indices, mesh by mesh"
        );
        assert_eq!(
            message(triangle().with_faces(vec![0, 1, 3])),
            "face value 2 is vertex 3, but each mesh has vertices 0 to 2"
        );
        assert_eq!(
            message(triangle().with_faces(vec![-1, 1, 2])),
            "face value 0 is vertex -1, but each mesh has vertices 0 to 2"
        );
        assert_eq!(
            message(triangle().with_colors(vec![0; 6])),
            "6 color values for 9 vertex values; give one (r, g, b) per vertex"
        );
        assert_eq!(
            message(triangle().with_config("[1, 2]")),
            "mesh config is not a JSON object (it is [1,2]); give Three.js settings such as \
             {\"camera\": {\"cls\": \"PerspectiveCamera\", \"fov\": 75}}"
        );
        assert!(message(triangle().with_config("{camera")).starts_with(
            "mesh config is not a JSON object (key must be a string at line 1 column 2)"
        ));
    }

    #[test]
    fn each_part_is_a_tensor_summary_naming_the_mesh() {
        let mesh = triangle()
            .with_faces(vec![0, 1, 2])
            .unwrap()
            .with_colors(vec![9; 9])
            .unwrap();
        let values = mesh.values("shapes/tri");
        let tags: Vec<&str> = values.iter().map(|v| v.tag.as_str()).collect();
        assert_eq!(
            tags,
            ["shapes/tri_VERTEX", "shapes/tri_FACE", "shapes/tri_COLOR"]
        );
        let face = &values[1];
        let metadata = face.metadata.as_ref().unwrap();
        let plugin = metadata.plugin_data.as_ref().unwrap();
        assert_eq!(plugin.plugin_name, "mesh");
        let data = MeshPluginData::decode(&plugin.content[..]).unwrap();
        assert_eq!(
            data,
            MeshPluginData {
                version: 0,
                name: "shapes/tri".into(),
                content_type: ContentType::Face.into(),
                json_config: "{}".into(),
                shape: vec![1, 1, 3],
                components: 0b1110,
            }
        );
        let Some(value::Value::Tensor(tensor)) = &face.value else {
            panic!("not a tensor: {face:?}");
        };
        assert_eq!(tensor.dtype, i32::from(DataType::DtInt32));
        assert_eq!(tensor.tensor_content, [0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]);
    }
}
