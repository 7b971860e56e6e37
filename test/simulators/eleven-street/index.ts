export * from './eleven-street.simulator';
