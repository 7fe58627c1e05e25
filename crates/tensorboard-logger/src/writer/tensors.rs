//! What the writer takes from tch: a whole `VarStore` in one call, image tensors in any
//! of torch's layouts, and video tensors in torch's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use super::{SummaryWriter, WithWallTime, now};
use crate::error::Error;
use crate::proto::tensorboard::DataType;
use crate::summary::graph;
use crate::summary::image::{DataFormat, Image};
use crate::summary::video::Video;

/// The tags of one variable, formatted once per writer.
#[derive(Debug)]
pub(super) struct VarTags {
    value: Arc<str>,
    gradient: Arc<str>,
    norm: Arc<str>,
}

/// Variable names seen by [`SummaryWriter::add_var_store`], with their tags.
#[derive(Debug, Default)]
pub(super) struct VarTagCache(Mutex<HashMap<String, Arc<VarTags>>>);

impl VarTagCache {
    /// The tags of the variable `name`, checked against the tag policy on first use.
    fn get(&self, writer: &SummaryWriter, name: &str) -> Result<Arc<VarTags>, Error> {
        let mut known = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(tags) = known.get(name) {
            return Ok(tags.clone());
        }
        let value = writer.tags.get(&name.replace('.', "/"))?;
        let tags = Arc::new(VarTags {
            gradient: writer.tags.get(&format!("{value}/gradients"))?,
            norm: writer.tags.get(&format!("{value}/gradients/norm"))?,
            value,
        });
        known.insert(name.to_owned(), tags.clone());
        Ok(tags)
    }
}

impl SummaryWriter {
    /// Logs every variable of `vars` in one call, in name order: for a variable named
    /// `layer1.weight` (tch joins path segments with `.`),
    /// - `layer1/weight`: a histogram of its values;
    /// - `layer1/weight/gradients`: a histogram of its gradient, when it has one (after
    ///   `backward`, before the optimizer zeroes it);
    /// - `layer1/weight/gradients/norm`: the gradient's 2-norm as a scalar.
    ///
    /// Histograms are bucketed on the variables' device as
    /// [`add_histogram`](Self::add_histogram) does for any tensor; the norms are computed
    /// there too and copied to the host together, once per call. Tags are formatted and
    /// checked once per variable name for the writer's lifetime; a name that gives an
    /// invalid tag is an error before anything of that variable is logged.
    ///
    /// ```
    /// use tch::{nn, nn::Module, Device, Kind, Tensor};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let writer = tensorboard_logger::SummaryWriter::new(dir.path())?;
    /// let vars = nn::VarStore::new(Device::Cpu);
    /// let layer = nn::linear(vars.root() / "fc", 4, 2, Default::default());
    /// layer.forward(&Tensor::ones([3, 4], (Kind::Float, Device::Cpu))).sum(Kind::Float).backward();
    /// writer.add_var_store(&vars, 0)?; // fc/bias, fc/weight, each with gradients and norm
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_var_store(&self, vars: &VarStore, step: i64) -> Result<(), Error> {
        self.var_store_at(now(), vars, step)
    }

    /// Logs an image tensor whose axes are in `format`, torch's `dataformats`: one image
    /// (`Hw`, `Chw`, `Hwc`) or a batch (`Nchw`, `Nhwc`) laid out as one grid by
    /// [`Image::grid`]. Pixels as for [`Image::from_tensor`]: `Uint8` as they are, floats
    /// in `[0, 1]`; the tensor may be on any device, and only its 8-bit pixels are copied
    /// to the host.
    ///
    /// Our grid differs from torch's `add_images`: it is near-square (`ceil(sqrt(n))`
    /// columns) with a 2-pixel black border like torchvision's `make_grid`, where torch
    /// uses at most 8 columns and no border; and grayscale stays one channel where torch
    /// repeats it as RGB. RGBA batches are accepted (torch rejects them).
    ///
    /// ```
    /// use tch::{Device, Kind, Tensor};
    /// use tensorboard_logger::summary::image::DataFormat;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let writer = tensorboard_logger::SummaryWriter::new(dir.path())?;
    /// let photo = Tensor::rand([32, 48, 3], (Kind::Float, Device::Cpu));
    /// writer.add_image_tensor("photo", &photo, DataFormat::Hwc, 0)?;
    /// let digits = Tensor::rand([16, 1, 28, 28], (Kind::Float, Device::Cpu));
    /// writer.add_image_tensor("digits", &digits, DataFormat::Nchw, 0)?; // a 4x4 grid
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_image_tensor(
        &self,
        tag: &str,
        tensor: &Tensor,
        format: DataFormat,
        step: i64,
    ) -> Result<(), Error> {
        self.image_tensor_at(now(), tag, tensor, format, step)
    }

    /// Writes the graph of `vars` for TensorBoard's Graphs dashboard: one node per
    /// variable, named by its path with `/` for tch's `.`, so the dashboard groups them
    /// by scope and shows each one's shape and type (see
    /// [`summary::graph`](crate::summary::graph)). tch keeps no record of the operations
    /// between variables, so the graph has no edges (torch traces a forward pass).
    ///
    /// ```
    /// use tch::{nn, Device};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let writer = tensorboard_logger::SummaryWriter::new(dir.path())?;
    /// let vars = nn::VarStore::new(Device::Cpu);
    /// let _layer = nn::linear(vars.root() / "fc1", 784, 128, Default::default());
    /// writer.add_graph(&vars)?; // fc1/bias [128], fc1/weight [128, 784]
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_graph(&self, vars: &VarStore) -> Result<(), Error> {
        let mut variables: Vec<(String, Vec<i64>, DataType)> = vars
            .variables()
            .into_iter()
            .map(|(name, var)| {
                let kind = var.f_kind().map_err(|cause| tensor_error(&name, cause))?;
                Ok((name.replace('.', "/"), var.size(), data_type(kind)))
            })
            .collect::<Result<_, Error>>()?;
        variables.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        self.add_graph_def(&graph::variables_graph(variables.iter().map(
            |(name, shape, dtype)| graph::Variable {
                name,
                shape,
                dtype: *dtype,
            },
        )))
    }

    /// Logs a video from a `[batch, frames, channels, height, width]` tensor, as torch's
    /// `add_video(tag, vid_tensor, step, fps)`: an animated GIF for the Images
    /// dashboard, the videos of a batch side by side (see [`Video::from_tensor`]).
    ///
    /// ```
    /// use tch::{Device, Kind, Tensor};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let writer = tensorboard_logger::SummaryWriter::new(dir.path())?;
    /// let clip = Tensor::rand([1, 8, 1, 28, 28], (Kind::Float, Device::Cpu));
    /// writer.add_video_tensor("rollout", &clip, 4.0, 0)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn add_video_tensor(
        &self,
        tag: &str,
        tensor: &Tensor,
        fps: f32,
        step: i64,
    ) -> Result<(), Error> {
        self.video_tensor_at(now(), tag, tensor, fps, step)
    }

    fn video_tensor_at(
        &self,
        wall_time: f64,
        tag: &str,
        tensor: &Tensor,
        fps: f32,
        step: i64,
    ) -> Result<(), Error> {
        let video = Video::from_tensor(tensor, fps).map_err(|cause| Error::Video {
            tag: tag.to_owned(),
            cause,
        })?;
        self.video_at(wall_time, tag, &video, step)
    }

    fn var_store_at(&self, wall_time: f64, vars: &VarStore, step: i64) -> Result<(), Error> {
        self.shared.check()?;
        let mut variables = {
            let store = vars
                .variables_
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            store
                .named_variables
                .iter()
                .map(|(name, var)| Ok((self.var_tags.get(self, name)?, var.shallow_clone())))
                .collect::<Result<Vec<_>, Error>>()?
        };
        variables.sort_unstable_by(|(a, _), (b, _)| a.value.cmp(&b.value));
        let mut norms = Vec::new();
        let mut norm_tags = Vec::new();
        for (tags, var) in &variables {
            self.histogram_at(wall_time, &tags.value, var, step)?;
            let gradient = var
                .f_grad()
                .map_err(|cause| tensor_error(&tags.gradient, cause))?;
            if gradient.defined() {
                self.histogram_at(wall_time, &tags.gradient, &gradient, step)?;
                let norm = gradient
                    .f_detach()
                    .and_then(|g| g.f_to_kind(Kind::Double))
                    .and_then(|g| g.f_norm())
                    .map_err(|cause| tensor_error(&tags.norm, cause))?;
                norms.push(norm);
                norm_tags.push(&tags.norm);
            }
        }
        if norms.is_empty() {
            return Ok(());
        }
        let values = Tensor::f_stack(&norms, 0)
            .and_then(|all| all.f_to_device(Device::Cpu))
            .and_then(|all| Vec::<f64>::try_from(&all))
            .map_err(|cause| tensor_error(norm_tags[0], cause))?;
        for (tag, value) in norm_tags.into_iter().zip(values) {
            self.scalar_at(wall_time, tag, value, step)?;
        }
        Ok(())
    }

    fn image_tensor_at(
        &self,
        wall_time: f64,
        tag: &str,
        tensor: &Tensor,
        format: DataFormat,
        step: i64,
    ) -> Result<(), Error> {
        let images =
            Image::batch_from_tensor_with_format(tensor, format).map_err(|cause| Error::Image {
                tag: Some(tag.to_owned()),
                cause,
            })?;
        self.images_at(wall_time, tag, &images, step)
    }
}

/// The TensorFlow type of a tch kind; kinds TensorFlow has no type for are `DT_INVALID`.
fn data_type(kind: Kind) -> DataType {
    match kind {
        Kind::Float => DataType::DtFloat,
        Kind::Double => DataType::DtDouble,
        Kind::Half => DataType::DtHalf,
        Kind::BFloat16 => DataType::DtBfloat16,
        Kind::Int => DataType::DtInt32,
        Kind::Int64 => DataType::DtInt64,
        Kind::Int16 => DataType::DtInt16,
        Kind::Int8 => DataType::DtInt8,
        Kind::Uint8 => DataType::DtUint8,
        Kind::Bool => DataType::DtBool,
        _ => DataType::DtInvalid,
    }
}

fn tensor_error(tag: &str, cause: tch::TchError) -> Error {
    Error::Tensor {
        tag: tag.to_owned(),
        cause,
    }
}

impl WithWallTime<'_> {
    /// [`SummaryWriter::add_var_store`] at this wall time.
    pub fn add_var_store(&self, vars: &VarStore, step: i64) -> Result<(), Error> {
        self.writer.var_store_at(self.wall_time, vars, step)
    }

    /// [`SummaryWriter::add_video_tensor`] at this wall time.
    pub fn add_video_tensor(
        &self,
        tag: &str,
        tensor: &Tensor,
        fps: f32,
        step: i64,
    ) -> Result<(), Error> {
        self.writer
            .video_tensor_at(self.wall_time, tag, tensor, fps, step)
    }

    /// [`SummaryWriter::add_image_tensor`] at this wall time.
    pub fn add_image_tensor(
        &self,
        tag: &str,
        tensor: &Tensor,
        format: DataFormat,
        step: i64,
    ) -> Result<(), Error> {
        self.writer
            .image_tensor_at(self.wall_time, tag, tensor, format, step)
    }
}
