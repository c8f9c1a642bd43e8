// Webview entries import their stylesheet; esbuild emits it beside the script as dist/webview/<name>.css.
declare module '*.css';
