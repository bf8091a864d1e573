import 'webrtc-adapter'
import { mount } from 'svelte'
import '../shared/base.css'
import VolunteerApp from './VolunteerApp.svelte'

mount(VolunteerApp, { target: document.getElementById('app')! })
