export * from './nextengine.simulator';
export * from './ne-wire';
export { nextEngineDemoSeed } from './demo-seed';
