export * from './smaregi.simulator';
export { smaregiDemoSeed } from './demo-seed';
