//! The [`Cascade`]: an ordered stack of layers, sealed innermost first and opened outermost
//! first, with a per-layer [`Report`].

use core::any::Any;
use core::time::Duration;
use std::time::Instant;

use primitives::rand::CryptoRng;

use crate::{
    AeadLayer, CipherLayer, DoubleRatchetLayer, Error, LayerId, MlKemLayer, MlsLayer, Operation,
    Result,
    envelope::{Bindings, EnvelopeRef, MAX_LAYERS, StackEntry, compare_stacks, encode_record},
};

/// The longest caller associated data [`Cascade::seal`] and [`Cascade::open`] take: 16 KiB
/// (it is bound by every layer; the Double Ratchet layer takes at most 64 KiB with the
/// binding around it).
pub const MAX_AD_LEN: usize = 16 * 1024;
/// The default [`CascadeConfig::max_envelope_len`]: 16 MiB.
pub const DEFAULT_MAX_ENVELOPE_LEN: usize = 16 * 1024 * 1024;

/// A cascade's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CascadeConfig {
    /// The longest envelope sealed or opened (`SIZE-1`, `SIZE-2`), checked before any work.
    pub max_envelope_len: usize,
}

impl Default for CascadeConfig {
    fn default() -> Self {
        Self {
            max_envelope_len: DEFAULT_MAX_ENVELOPE_LEN,
        }
    }
}

/// What one layer did in one operation: its sizes and time. For the caller only; never in
/// the envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerReport {
    /// The layer.
    pub id: LayerId,
    /// Its position in the stack record (0 = outermost).
    pub position: usize,
    /// Bytes in: the plaintext when sealing, the ciphertext when opening.
    pub input_len: usize,
    /// Bytes out.
    pub output_len: usize,
    /// Time spent in the layer (for an open, including its commit).
    pub elapsed: Duration,
}

/// What an operation did, layer by layer (outermost first), and in all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Report {
    /// One entry per layer, outermost first.
    pub layers: Vec<LayerReport>,
    /// The envelope's length.
    pub envelope_len: usize,
    /// The whole operation, framing and checks included.
    pub total: Duration,
}

/// An ordered stack of layers. See the crate documentation.
pub struct Cascade {
    /// Innermost first: `layers[0]` seals the plaintext.
    layers: Vec<Box<dyn CipherLayer>>,
    /// The configured stack, outermost first, as the envelope records it.
    stack: Vec<StackEntry>,
    record: Vec<u8>,
    config: CascadeConfig,
}

impl core::fmt::Debug for Cascade {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Cascade")
            .field("stack", &self.stack)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Cascade {
    /// A cascade of `layers`, innermost first (the product's default order is ML-KEM,
    /// Double Ratchet, MLS, AEAD), with the default [`CascadeConfig`].
    ///
    /// # Errors
    /// [`Error::Config`] (`CONF-1`) for no layers, more than
    /// [`MAX_LAYERS`](crate::envelope::MAX_LAYERS), or two layers of one kind.
    pub fn new(layers: Vec<Box<dyn CipherLayer>>) -> Result<Self> {
        Self::with_config(layers, CascadeConfig::default())
    }

    /// The default stack, in the product's order, innermost first: ML-KEM, Double Ratchet,
    /// MLS, AEAD (so the envelope's outermost layer is AEAD).
    ///
    /// # Errors
    /// None in practice (the stack is valid); as [`Self::new`].
    pub fn default_stack(
        mlkem: MlKemLayer,
        ratchet: DoubleRatchetLayer,
        mls: MlsLayer,
        aead: AeadLayer,
    ) -> Result<Self> {
        Self::new(vec![
            Box::new(mlkem),
            Box::new(ratchet),
            Box::new(mls),
            Box::new(aead),
        ])
    }

    /// [`Self::new`] with `config`.
    ///
    /// # Errors
    /// As [`Self::new`].
    pub fn with_config(layers: Vec<Box<dyn CipherLayer>>, config: CascadeConfig) -> Result<Self> {
        if layers.is_empty() || layers.len() > MAX_LAYERS {
            return Err(Error::Config("a stack has 1 to MAX_LAYERS layers"));
        }
        let stack: Vec<StackEntry> = layers
            .iter()
            .rev()
            .map(|l| StackEntry {
                id: l.id(),
                version: l.version(),
            })
            .collect();
        for (i, e) in stack.iter().enumerate() {
            if stack.iter().skip(i + 1).any(|o| o.id == e.id) {
                return Err(Error::Config("a layer kind appears twice in the stack"));
            }
        }
        let record = encode_record(&stack)?;
        Ok(Self {
            layers,
            stack,
            record,
            config,
        })
    }

    /// The stack, outermost first, as envelopes record it.
    pub fn stack(&self) -> &[StackEntry] {
        &self.stack
    }

    /// The configuration.
    pub const fn config(&self) -> &CascadeConfig {
        &self.config
    }

    /// The layer of type `T`, if the stack has one (to reach its session or group).
    pub fn layer<T: CipherLayer>(&self) -> Option<&T> {
        self.layers.iter().find_map(|l| {
            let any: &dyn Any = &**l;
            any.downcast_ref::<T>()
        })
    }

    /// The layer of type `T`, mutably: a group's commits and proposals go through it.
    pub fn layer_mut<T: CipherLayer>(&mut self) -> Option<&mut T> {
        self.layers.iter_mut().find_map(|l| {
            let any: &mut dyn Any = &mut **l;
            any.downcast_mut::<T>()
        })
    }

    fn check_ad(ad: &[u8]) -> Result<()> {
        if ad.len() > MAX_AD_LEN {
            return Err(Error::AssociatedDataTooLarge {
                len: ad.len(),
                max: MAX_AD_LEN,
            });
        }
        Ok(())
    }

    /// Seals `plaintext` through every layer, innermost first, binding `ad` (not sent; the
    /// receiver passes the same bytes to [`Self::open`]). Returns the envelope and the
    /// report.
    ///
    /// # Errors
    /// [`Error::AssociatedDataTooLarge`] (`SIZE-3`) and [`Error::PlaintextTooLarge`]
    /// (`SIZE-2`) before any layer seals; [`Error::Layer`] naming the layer that failed.
    pub fn seal(
        &mut self,
        plaintext: &[u8],
        ad: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<(Vec<u8>, Report)> {
        let start = Instant::now();
        Self::check_ad(ad)?;
        let max = self.config.max_envelope_len;
        let bound = self
            .layers
            .iter()
            .fold(self.record.len().saturating_add(plaintext.len()), |n, l| {
                n.saturating_add(l.max_overhead())
            });
        if bound > max {
            return Err(Error::PlaintextTooLarge {
                len: plaintext.len(),
                max,
            });
        }
        let mut reports = Vec::with_capacity(self.layers.len());
        let mut bindings = Bindings::new(&self.record, ad);
        let mut current: Option<Vec<u8>> = None;
        let count = self.layers.len();
        for (index, layer) in self.layers.iter_mut().enumerate() {
            let position = count - 1 - index;
            let input = current.as_deref().unwrap_or(plaintext);
            let t = Instant::now();
            let sealed = layer
                .seal(input, bindings.at(position)?, rng)
                .map_err(|source| Error::Layer {
                    layer: layer.id(),
                    position,
                    operation: Operation::Seal,
                    source,
                })?;
            reports.push(LayerReport {
                id: layer.id(),
                position,
                input_len: input.len(),
                output_len: sealed.len(),
                elapsed: t.elapsed(),
            });
            current = Some(sealed);
        }
        let body = current.unwrap_or_default();
        let mut envelope = Vec::with_capacity(self.record.len() + body.len());
        envelope.extend_from_slice(&self.record);
        envelope.extend_from_slice(&body);
        reports.reverse();
        let report = Report {
            layers: reports,
            envelope_len: envelope.len(),
            total: start.elapsed(),
        };
        Ok((envelope, report))
    }

    /// Opens `envelope`: checks its size (`SIZE-1`) and stack record against the configured
    /// stack (`STACK-*`), then opens every layer, outermost first, and only when all opened
    /// commits their state changes. On any error every layer's state is as it was.
    ///
    /// # Errors
    /// [`Error::EnvelopeTooLarge`], [`Error::AssociatedDataTooLarge`], the envelope and
    /// stack errors, or [`Error::Layer`] naming the layer that failed.
    pub fn open(&mut self, envelope: &[u8], ad: &[u8]) -> Result<(Vec<u8>, Report)> {
        let start = Instant::now();
        let max = self.config.max_envelope_len;
        if envelope.len() > max {
            return Err(Error::EnvelopeTooLarge {
                len: envelope.len(),
                max,
            });
        }
        Self::check_ad(ad)?;
        let parsed = EnvelopeRef::parse(envelope)?;
        compare_stacks(&self.stack, &parsed)?;
        let mut reports = Vec::with_capacity(self.layers.len());
        let mut bindings = Bindings::new(&self.record, ad);
        // Open every layer, outermost first; each intermediate plaintext is dropped as soon
        // as the next layer has read it. The stages wait; an error drops them all.
        let mut stages = Vec::with_capacity(self.layers.len());
        let mut current: Option<Vec<u8>> = None;
        for (position, layer) in self.layers.iter_mut().rev().enumerate() {
            let input = current.as_deref().unwrap_or(parsed.body());
            let id = layer.id();
            let t = Instant::now();
            let opened = layer
                .open(input, bindings.at(position)?)
                .map_err(|source| Error::Layer {
                    layer: id,
                    position,
                    operation: Operation::Open,
                    source,
                })?;
            reports.push(LayerReport {
                id,
                position,
                input_len: input.len(),
                output_len: opened.plaintext.len(),
                elapsed: t.elapsed(),
            });
            if let Some(staged) = opened.staged {
                stages.push((position, staged));
            }
            current = Some(opened.plaintext);
        }
        // Every layer opened: apply their state changes.
        for (position, staged) in stages {
            let t = Instant::now();
            let report = reports
                .get_mut(position)
                .ok_or(Error::Config("report position"))?;
            staged.commit().map_err(|source| Error::Layer {
                layer: report.id,
                position,
                operation: Operation::Open,
                source,
            })?;
            report.elapsed += t.elapsed();
        }
        let plaintext = current.unwrap_or_default();
        let report = Report {
            layers: reports,
            envelope_len: envelope.len(),
            total: start.elapsed(),
        };
        Ok((plaintext, report))
    }
}
