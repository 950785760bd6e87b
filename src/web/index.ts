// The web stage: `verbo serve` (a JSON API and a small page over a trained model) and the pictures and
// report shared with `verbo plot` and `verbo report`.
export {
  createWebApp,
  handleRequest,
  embeddingMap,
  MAP_METHODS,
  type MapMethod,
  HttpError,
  LIMITS,
  type WebApp,
  type ApiRequest,
  type ApiResponse,
  type MapResponse,
  type TrainingCurves,
} from './api.js';
export { serveStatic, resolveStaticPath, defaultStaticDir } from './static.js';
export {
  loadWebApp,
  createWebServer,
  hostAllowed,
  listen,
  SERVER_TIMEOUTS,
  type WebServer,
  type WebServerOptions,
  readLmHistory,
  readProgress,
  type LoadWebAppOptions,
} from './server.js';
export {
  mapSvg,
  curvesSvg,
  lmPerplexitySvg,
  historySeries,
  niceTicks,
  escapeXml,
  type CurveSeries,
  type MapSvgOptions,
  type CurvesSvgOptions,
} from './svg.js';
export {
  collectReport,
  renderReport,
  nextWordAccuracy,
  defaultEvalFiles,
  type ReportData,
  type CollectReportOptions,
  type NextWordAccuracy,
  type ReportLanguage,
} from './report.js';
export { pca2d, type Projection2D, type PcaOptions } from '../embeddings/index.js';
