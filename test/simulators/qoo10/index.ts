export * from './qoo10.simulator';
