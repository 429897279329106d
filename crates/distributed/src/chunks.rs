//! One worker's chunks: which it labels this pass, their rows (held for a memory source,
//! read per pass from a file) and their labels.

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;

use ladder_blobs::io::{IoError, NpyLayout, read_npy_rows};
use ladder_core::{Points, inertia};
use ladder_parallel::Layout;

use crate::Source;
use crate::job::{Job, home_chunks};
use crate::protocol::ChunkLabels;

/// Where a worker gets a chunk's rows.
enum Rows {
    /// The points in memory.
    Memory(Arc<Vec<f64>>),
    /// The whole `.npy` file mapped into memory: a chunk's rows are a slice of it.
    Mapped(memmap2::Mmap, NpyLayout),
    /// Rows read into a buffer (data not aligned for `f64`, or not little-endian).
    Read(File, PathBuf, NpyLayout),
}

impl Rows {
    fn open(source: &Source) -> Result<Self, IoError> {
        let (path, layout) = match source {
            Source::Memory { data, .. } => return Ok(Rows::Memory(Arc::clone(data))),
            Source::File { path, layout } => (path, *layout),
        };
        let file = File::open(path).map_err(|e| IoError::io(path, e))?;
        // SAFETY: the mapping is read-only; like every reader of the file, the fit is
        // undefined if another process truncates or rewrites it meanwhile.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| IoError::io(path, e))?;
        let data = &map[layout.data_offset as usize..];
        let aligned = bytemuck::try_cast_slice::<u8, f64>(data).is_ok();
        Ok(if aligned && cfg!(target_endian = "little") {
            Rows::Mapped(map, layout)
        } else {
            Rows::Read(file, path.clone(), layout)
        })
    }

    /// Rows `range` (of `d` features): a slice of memory, or read into `buffer`.
    fn get<'a>(
        &'a self,
        range: std::ops::Range<usize>,
        d: usize,
        buffer: &'a mut Vec<f64>,
    ) -> Result<&'a [f64], IoError> {
        match self {
            Rows::Memory(data) => Ok(&data[range.start * d..range.end * d]),
            Rows::Mapped(map, layout) => {
                let data: &[f64] = bytemuck::cast_slice(&map[layout.data_offset as usize..]);
                Ok(&data[range.start * d..range.end * d])
            }
            Rows::Read(file, path, layout) => {
                buffer.resize(range.len() * d, 0.0);
                read_npy_rows(file, path, layout, range.start, buffer)?;
                Ok(buffer)
            }
        }
    }
}

/// One worker's chunks.
pub(crate) struct Chunks {
    /// The chunks this worker labels in the current pass.
    ids: Vec<usize>,
    /// Per chunk, for a memory source: laid out for the kernel, for this worker's own
    /// chunks (`c mod W`); others pass through `stream`.
    layouts: Vec<Option<Layout>>,
    /// Per chunk: its labels, for the chunks this worker labelled last (else empty).
    labels: Vec<Vec<u32>>,
    /// The centers of the last pass.
    last_centers: Vec<f64>,
    rows: Rows,
    /// The layout that chunks without one of their own pass through in turn.
    stream: Option<Layout>,
    /// This worker, and how many there are.
    index: usize,
    peers: usize,
}

impl Chunks {
    /// Worker `index`'s chunks of `peers`, set up for the first fit.
    pub(crate) fn new(job: &Job, index: usize, peers: usize) -> Result<Self, IoError> {
        let layouts = (0..job.chunks())
            .map(|c| match &job.source {
                Source::Memory { data, d } if c % peers == index => {
                    let r = job.rows_of(c);
                    let rows = &data[r.start * d..r.end * d];
                    Some(Layout::new(Points::new(rows, *d).expect("whole rows")))
                }
                _ => None,
            })
            .collect();
        let mut this = Self {
            ids: Vec::new(),
            layouts,
            labels: Vec::new(),
            last_centers: Vec::new(),
            rows: Rows::open(&job.source)?,
            stream: None,
            index,
            peers,
        };
        this.reset(job);
        Ok(this)
    }

    /// Back to the worker's own chunks, as a fit starts. Their labels are written here,
    /// so that the first pass does not pay for faulting their pages in (it often labels
    /// the same chunks).
    pub(crate) fn reset(&mut self, job: &Job) {
        let (index, peers) = (self.index, self.peers);
        let chunks = self.layouts.len();
        self.ids = home_chunks(chunks, peers, index);
        self.labels = (0..chunks)
            .map(|c| match c % peers == index {
                true => vec![u32::MAX; job.rows_of(c).len()],
                false => Vec::new(),
            })
            .collect();
    }

    /// Calls `f(chunk, rows)` for each of this worker's chunks of the current pass; a
    /// file source is read one chunk at a time into a reused buffer.
    fn for_each_chunk(&self, job: &Job, mut f: impl FnMut(usize, &[f64])) -> Result<(), IoError> {
        let d = job.source.d();
        let mut buffer = Vec::new();
        for &chunk in &self.ids {
            f(chunk, self.rows.get(job.rows_of(chunk), d, &mut buffer)?);
        }
        Ok(())
    }

    /// Labels the chunks `ids` against `centers` and returns their partial sums and
    /// counts, chunk after chunk (as in `Partials`).
    pub(crate) fn assign(
        &mut self,
        job: &Job,
        centers: &[f64],
        ids: &[usize],
    ) -> Result<(Vec<f64>, Vec<u32>), IoError> {
        let d = job.source.d();
        let k = centers.len() / d;
        // Only the labels of this pass's chunks are kept (`ids` is in chunk order).
        for &chunk in &self.ids {
            if ids.binary_search(&chunk).is_err() {
                self.labels[chunk] = Vec::new();
            }
        }
        self.ids = ids.to_vec();
        let mut labels = std::mem::take(&mut self.labels);
        let mut stream = self.stream.take();
        let mut sums = vec![0.0; ids.len() * k * d];
        let mut counts = vec![0u32; ids.len() * k];
        let mut partials = sums.chunks_exact_mut(k * d).zip(counts.chunks_exact_mut(k));
        let result = self.for_each_chunk(job, |chunk, rows| {
            let labels = &mut labels[chunk];
            labels.resize(rows.len() / d, 0);
            let points = Points::new(rows, d).expect("whole rows");
            let (sums, counts) = partials.next().expect("a partial per chunk");
            let layout = match (&self.layouts[chunk], &mut stream) {
                (Some(layout), _) => layout,
                // Other chunks pass through one layout, refilled chunk by chunk.
                (None, Some(layout)) => {
                    layout.fill(points);
                    layout
                }
                (None, None) => stream.insert(Layout::new(points)),
            };
            layout.assign_and_sum(rows, centers, labels, sums, counts);
        });
        self.labels = labels;
        self.stream = stream;
        self.last_centers = centers.to_vec();
        result.map(|()| (sums, counts))
    }

    /// Every chunk's labels and inertia against the centers of the last pass.
    pub(crate) fn finish(&self, job: &Job) -> Result<Vec<ChunkLabels>, IoError> {
        let d = job.source.d();
        let centers = &self.last_centers;
        let mut replies = Vec::with_capacity(self.ids.len());
        self.for_each_chunk(job, |chunk, rows| {
            let labels = &self.labels[chunk];
            let points = Points::new(rows, d).expect("whole rows");
            replies.push(ChunkLabels {
                chunk,
                labels: labels.clone(),
                inertia: inertia(points, centers, labels),
            });
        })?;
        Ok(replies)
    }
}
