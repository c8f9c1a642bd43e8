// Datasets: loaders from the published layouts to Interactions, format detection, statistics, the bundled
// copy and downloads. See docs/datasets.md.
export { loadDataset, type LoadDatasetOptions, type LoadedDataset } from './load';
export { detectFormat, FORMAT_SIGNATURES, type FormatSignature } from './detect';
export {
  datasetStats,
  type DatasetStats,
  type HistogramBin,
  type Quantiles,
  type PopularItem,
} from './stats';
export { resolveBundledDataset, findPackageRoot, BUNDLED_DATASETS, BUNDLED_PREFIX } from './bundled';
export {
  DatasetError,
  IssueLog,
  SKIPPED_EXAMPLES,
  skippedRowsLine,
  skippedRowsOf,
  skippedRowsWarning,
  type LoadMode,
  type SkippedRows,
} from './errors';
export type { GenericColumnMap, GenericItemFileMap, ColumnRef } from './formats/generic';
export {
  readManifest,
  fingerprintOf,
  MANIFEST_FILE,
  type DatasetManifest,
  type ManifestFile,
} from './manifest';
export {
  downloadDataset,
  findDownloadable,
  DOWNLOADABLE_DATASETS,
  DEFAULT_MIRROR,
  MIRROR_ENV,
  DownloadError,
  type DownloadableDataset,
  type DownloadOptions,
  type DownloadProgress,
  type DownloadResult,
} from './download';
