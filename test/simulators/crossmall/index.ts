export * from './crossmall.simulator';
