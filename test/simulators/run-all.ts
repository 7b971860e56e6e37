/**
 * `npm run simulators`: the five site simulators with their demo data, on fixed ports, until Ctrl-C.
 * Each serves its inspection API under /_sim (state, seed, clock, faults, requests).
 */
import { CrossmallSimulator } from './crossmall';
import { ElevenStreetSimulator } from './eleven-street';
import { NextEngineSimulator } from './nextengine';
import { Qoo10Simulator } from './qoo10';
import type { SiteSimulator } from './site-simulator';
import { SmaregiSimulator } from './smaregi';

export const SIMULATOR_PORTS = {
  nextengine: 4101,
  'qoo10-jp': 4102,
  '11st': 4103,
  crossmall: 4104,
  smaregi: 4105,
} as const;

export function demoSimulators(): Record<keyof typeof SIMULATOR_PORTS, SiteSimulator> {
  const nextengine = new NextEngineSimulator();
  nextengine.seed(NextEngineSimulator.demoSeed());
  const smaregi = new SmaregiSimulator();
  smaregi.seed(SmaregiSimulator.demoSeed());
  return {
    nextengine,
    'qoo10-jp': new Qoo10Simulator(Qoo10Simulator.demoSeed()),
    '11st': new ElevenStreetSimulator(ElevenStreetSimulator.demoSeed()),
    crossmall: new CrossmallSimulator(CrossmallSimulator.demoSeed()),
    smaregi,
  };
}

async function main(): Promise<void> {
  const host = process.env.SIMULATOR_HOST ?? '127.0.0.1';
  const simulators = demoSimulators();
  for (const [site, simulator] of Object.entries(simulators)) {
    const url = await simulator.start(SIMULATOR_PORTS[site as keyof typeof SIMULATOR_PORTS], host);
    console.log(`${site.padEnd(10)} ${url}   (inspect: ${url}/_sim/state)`);
  }
  const stop = async () => {
    await Promise.all(Object.values(simulators).map((simulator) => simulator.stop()));
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
