import { mount } from 'svelte'
import '../shared/base.css'
import VerifyApp from './VerifyApp.svelte'

mount(VerifyApp, { target: document.getElementById('app')! })
