import { mapField, mapList, renameField, type Step } from '../shared/conversion-run.ts'

/**
 * EnergyMix of a Location or a Tariff: 2.1.1 names EnvironmentalImpact's category `source`, 2.2 renamed it
 * `category`. Only the name differs.
 */
function renameImpactCategory(from: string, to: string): Step {
  return (value, run, path) =>
    mapField(
      value,
      'energy_mix',
      (mix, mixRun, mixPath) =>
        mapList(mix, 'environ_impact', (impact) => renameField(impact, from, to), mixRun, mixPath),
      run,
      path,
    )
}

export const energyMixDown = renameImpactCategory('category', 'source')
export const energyMixUp = renameImpactCategory('source', 'category')
