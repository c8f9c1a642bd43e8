// Recorded in every run manifest so results can be traced to the engine that produced them.
export const ENGINE_VERSION = '0.1.0';
